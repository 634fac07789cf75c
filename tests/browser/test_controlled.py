"""The controlled-substance screen as the nurse at the safe (1024x768) and the admin (1920x1080)
see it: stock with balances, a witnessed waste, a count 1 mL short, its resolution, the reports."""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.support import PASSWORD, USERS, VigilServer

NURSE_AT_THE_SAFE = {"width": 1024, "height": 768}
ADMIN = {"width": 1920, "height": 1080}


def stock(server: VigilServer) -> tuple[str, list[dict[str, Any]]]:
    """Two fresh vials of 500 mg/10 mL at the clinic's site, received by the admin."""
    with server.api("admin") as api:
        site = api.get("/api/sites").json()[0]["id"]
        lot = f"LOT{date.today():%j}{id(api) % 10000}"
        answer = api.post(
            "/api/controlled/receipts",
            json={
                "site_id": site,
                "ndc": "0409-2051-05",
                "concentration_mg_per_ml": 50,
                "volume_ml": 10,
                "lot": lot,
                "expiry": (date.today() + timedelta(days=300)).isoformat(),
                "supplier": "Cardinal Health",
                "invoice": "INV-1",
                "quantity": 2,
                "witness": {"username": USERS["physician"], "password": PASSWORD},
            },
        )
        assert answer.status_code == 201, answer.text
        return site, answer.json()


def session_with_order(server: VigilServer) -> dict[str, Any]:
    s = server.new_session("Safe chair")
    with server.api("nurse") as api:
        order = api.put(
            f"/api/sessions/{s['id']}/infusion/order",
            json={
                "concentration_mg_per_ml": 1,
                "lot": "BAG1",
                "expiry": (date.today() + timedelta(days=30)).isoformat(),
                "rate_mg_per_kg_h": 0.5,
            },
        )
        assert order.status_code == 200, order.text
    return s


def fits(page: Page, test_id: str, width: int) -> None:
    box = page.get_by_test_id(test_id).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def test_the_nurse_at_the_safe_draws_wastes_and_counts(
    vigil_server: VigilServer, signed_in: Any, tmp_path: Path
) -> None:
    site, vials = stock(vigil_server)
    session = session_with_order(vigil_server)
    page: Page = signed_in("nurse", viewport=NURSE_AT_THE_SAFE)
    page.goto("/#/safe")
    first = page.get_by_test_id(f"container-{vials[0]['label']}")
    expect(first.get_by_test_id("balance")).to_contain_text("10 mL")
    expect(first.get_by_test_id("balance")).to_contain_text("500 mg")
    fits(page, "ctl-stock", NURSE_AT_THE_SAFE["width"])

    first.get_by_role("button", name="Draw").click()
    form = page.get_by_role("form", name=f"Draw from {vials[0]['label']}")
    form.get_by_label("For the session").select_option(session["id"])
    form.get_by_label("Amount (mL)").fill("2")
    form.get_by_role("button", name="Record the draw").click()
    expect(page.get_by_test_id("ctl-done")).to_contain_text("8 mL left")
    expect(first.get_by_test_id("balance")).to_contain_text("8 mL")

    draw = page.get_by_test_id("ctl-draws").locator("li").filter(has_text=vials[0]["label"])
    expect(draw).to_contain_text("2 mL left")
    draw.get_by_role("button", name="Waste…").click()
    waste = draw.get_by_role("form")
    # She is not offered as her own witness...
    offered = waste.get_by_label("Witness", exact=True).locator("option").all_inner_texts()
    assert "E2E Physician (physician)" in offered
    assert not any("Nurse" in o for o in offered), offered
    # ...and the server refuses her if she names herself anyway.
    with vigil_server.api("nurse") as api:
        draw_id = int(draw.get_attribute("data-testid").removeprefix("draw-"))  # type: ignore[union-attr]
        own = api.post(
            f"/api/controlled/draws/{draw_id}/waste",
            json={"amount_ml": 1, "witness": {"username": USERS["nurse"], "password": PASSWORD}},
        )
        assert own.status_code == 403
        assert own.json()["detail"] == "A witness must be someone other than who made the entry."

    waste.get_by_label("Wasted (mL)").fill("0.5")
    waste.get_by_label("Witness", exact=True).select_option(USERS["physician"])
    waste.get_by_label("Witness's password").fill("not-his-password")
    waste.get_by_role("button", name="Record the waste").click()
    refused = waste.locator(".error-box")
    expect(refused).to_contain_text("The witness's username or password is incorrect.")
    expect(refused).to_be_visible()
    waste.get_by_label("Witness's password").fill(PASSWORD)
    waste.get_by_role("button", name="Record the waste").click()
    expect(page.get_by_test_id("ctl-done")).to_contain_text("witnessed by E2E Physician")
    expect(draw).to_contain_text("1.5 mL left")

    count = page.get_by_role("form", name="Count of the safe")
    count.get_by_label("Which count").select_option("end")
    with vigil_server.api("nurse") as api:
        held = {
            c["label"]: c["balance_ml"]
            for c in api.get(f"/api/controlled/sites/{site}/containers").json()
            if c["balance_ml"] > 0
        }
    for label, ml in held.items():
        short = ml - 1 if label == vials[1]["label"] else ml
        count.get_by_label(f"{label} (mL)").fill(f"{short:g}")
    count.get_by_label("Witness", exact=True).select_option(USERS["physician"])
    count.get_by_label("Witness's password").fill(PASSWORD)
    count.get_by_role("button", name="Save the count").click()
    expect(page.get_by_test_id("ctl-done")).to_contain_text("1 discrepancy opened")
    # The witness's password does not stay behind in the form.
    expect(count.get_by_label("Witness's password")).to_have_value("")
    open_ = page.get_by_test_id("ctl-discrepancies")
    expect(open_).to_contain_text(
        f"{vials[1]['label']}: counted 9 mL, the log says 10 mL (-1 mL, -50 mg)"
    )
    expect(open_).to_contain_text("An admin resolves it with a reason.")
    assert open_.bounding_box()["y"] < 300  # type: ignore[index]
    page.screenshot(path=tmp_path / "controlled-nurse.png", full_page=True)


def test_the_admin_resolves_the_discrepancy_and_downloads_the_inventory(
    vigil_server: VigilServer, signed_in: Any, tmp_path: Path
) -> None:
    site, vials = stock(vigil_server)
    with vigil_server.api("nurse") as api:
        held = api.get(f"/api/controlled/sites/{site}/containers").json()
        counted = [
            {
                "container_id": c["id"],
                "counted_ml": c["balance_ml"] - (1 if c["id"] == vials[0]["id"] else 0),
            }
            for c in held
            if c["balance_ml"] > 0
        ]
        answer = api.post(
            "/api/controlled/counts",
            json={
                "site_id": site,
                "period": "start",
                "counts": counted,
                "witness": {"username": USERS["physician"], "password": PASSWORD},
            },
        )
        assert answer.status_code == 201, answer.text
    page: Page = signed_in("admin", viewport=ADMIN)
    page.goto("/#/safe")
    item = page.get_by_test_id("ctl-discrepancies").locator("li").filter(has_text=vials[0]["label"])
    expect(item).to_contain_text("-1 mL")
    fits(page, "ctl-stock", ADMIN["width"])
    page.screenshot(path=tmp_path / "controlled-admin.png", full_page=True)
    resolve = item.get_by_role("form")
    resolve.get_by_label("Which stands").select_option("count")
    resolve.get_by_label("Reason").fill("Vial found cracked; loss reported on DEA Form 106.")
    resolve.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("ctl-done")).to_contain_text("resolved")
    expect(
        page.get_by_test_id(f"container-{vials[0]['label']}").get_by_test_id("balance")
    ).to_contain_text("9 mL")

    with page.expect_download() as pdf:
        page.get_by_test_id("ctl-inventory-pdf").click()
    path = pdf.value.path()
    assert path is not None and path.read_bytes().startswith(b"%PDF")
