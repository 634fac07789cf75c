"""The protocol editor as an admin uses it at 1024×768 and 1920×1080: a cadence changed with a
reason is saved; a save the server refuses says why in words and keeps every value typed; a
new clinic protocol is added under its own code. Each test edits a protocol of its own (the
server is shared by the package), never the seeded IV ketamine or Spravato."""

import os
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer
from tests.browser.test_station import box

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("VIGIL_TEST_SCREENSHOTS")
SMALL = {"width": 1024, "height": 768}
FULL_HD = {"width": 1920, "height": 1080}
RUNNING = "Sessions already running keep the rules they started with."


@pytest.fixture
def protocol(vigil_server: VigilServer) -> dict[str, Any]:
    """A clinic protocol of this test's own, a copy of IV ketamine."""
    code = f"e2e-{uuid.uuid4().hex[:6]}"
    with vigil_server.api("admin") as api:
        ketamine = api.get("/api/protocols/iv-ketamine").json()
        made = api.put(
            f"/api/protocols/{code}",
            json={
                "name": f"E2E ketamine {code}",
                "rules": ketamine["rules"],
                "reason": "E2E set-up",
            },
        )
        assert made.status_code == 200, made.text
        return made.json()  # type: ignore[no-any-return]


def saved(server: VigilServer, code: str) -> dict[str, Any]:
    with server.api("admin") as api:
        answer = api.get(f"/api/protocols/{code}")
        assert answer.status_code == 200, answer.text
        return answer.json()  # type: ignore[no-any-return]


def open_editor(page: Page, name: str) -> None:
    page.goto("/#/admin/protocols")
    expect(page.get_by_role("heading", level=1)).to_have_text("Treatment protocols")
    page.get_by_role("button", name=f"Edit {name}").click()
    expect(page.get_by_role("heading", level=2, name=f"Edit {name}")).to_be_focused()


def fits(page: Page) -> None:
    """Nothing wider than the window: no horizontal scroll, the editor inside the viewport."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    width = page.viewport_size["width"]  # type: ignore[index]
    for part in (page.get_by_test_id("protocols"), page.get_by_test_id("protocol-editor")):
        b = box(part)
        assert b["x"] >= 0 and b["x"] + b["width"] <= width, part


def test_a_cadence_changed_with_a_reason_is_saved(
    vigil_server: VigilServer, signed_in: Callable[..., Page], protocol: dict[str, Any]
) -> None:
    page = signed_in("admin", viewport=SMALL)
    open_editor(page, protocol["name"])
    expect(page.get_by_test_id("protocols-notice")).to_contain_text(RUNNING)
    cadence = page.get_by_label("Reading every (s), infusion")
    expect(cadence).to_have_value("600")
    expect(page.get_by_text("every 10 min")).to_be_visible()
    cadence.fill("300")
    expect(page.get_by_text("every 5 min")).to_be_visible()
    page.get_by_label("Minimum recovery (min)").fill("45")

    # No reason: said before anything is sent; the values stay.
    page.get_by_role("button", name="Save protocol").click()
    expect(page.get_by_role("alert")).to_have_text(
        "✘ Give the reason for this change: it is kept in the audit log."
    )
    assert saved(vigil_server, protocol["code"])["rules"]["infusion_check_seconds"] == 600
    expect(cadence).to_have_value("300")

    page.get_by_label("Reason for the change").fill("Medical director: every 5 min while infusing")
    fits(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/admin-protocol-edit-1024x768.png", full_page=True)
    page.get_by_role("button", name="Save protocol").click()
    expect(page.get_by_test_id("protocols-msg")).to_contain_text(
        f"Saved {protocol['name']} ({protocol['code']})"
    )
    expect(page.get_by_role("alert")).to_have_count(0)
    rules = saved(vigil_server, protocol["code"])["rules"]
    assert rules["infusion_check_seconds"] == 300 and rules["min_recovery_minutes"] == 45
    with vigil_server.api("admin") as api:
        audit = api.get("/api/audit", params={"action": "protocol.update"}).json()
    entry = next(a for a in audit if a["target_id"] == protocol["code"])
    assert entry["details"]["reason"] == "Medical director: every 5 min while infusing"
    # The form shows what the server kept, the reason cleared for the next change.
    expect(cadence).to_have_value("300")
    expect(page.get_by_label("Reason for the change")).to_have_value("")
    page.reload()
    page.get_by_role("button", name=f"Edit {protocol['name']}").click()
    expect(page.get_by_label("Reading every (s), infusion")).to_have_value("300")


def test_a_refused_save_says_why_and_keeps_what_was_typed(
    vigil_server: VigilServer, signed_in: Callable[..., Page], protocol: dict[str, Any]
) -> None:
    page = signed_in("admin", viewport=FULL_HD)
    open_editor(page, protocol["name"])
    page.get_by_label("Reading every (s), recovery").fill("9000")
    for n in (1, 2):
        page.get_by_role("button", name="Add checkpoint").click()
        page.get_by_label(f"Checkpoint {n} code").fill("bp_40")
        page.get_by_label(f"Checkpoint {n} label").fill(f"BP at 40 min ({n})")
        page.get_by_label(f"Checkpoint {n} minutes after dosing").fill("40")
    reason = page.get_by_label("Reason for the change")
    reason.fill("Two checks at 40 min")
    page.get_by_role("button", name="Save protocol").click()
    # The server's own sentences: the cadence over its limit, the codes not unique.
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("✘ rules.recovery_check_seconds: enter a number of at most 7200")
    page.get_by_label("Reading every (s), recovery").fill("900")
    page.get_by_role("button", name="Save protocol").click()
    expect(alert).to_have_text(re.compile("checkpoint codes must be unique"))
    assert saved(vigil_server, protocol["code"])["rules"]["checkpoints"] == []
    # Everything typed is still there to correct.
    expect(page.get_by_label("Checkpoint 2 code")).to_have_value("bp_40")
    expect(page.get_by_label("Checkpoint 2 label")).to_have_value("BP at 40 min (2)")
    expect(reason).to_have_value("Two checks at 40 min")
    checkpoints = box(page.get_by_test_id("checkpoints"))
    assert checkpoints["x"] + checkpoints["width"] <= FULL_HD["width"]
    if SHOTS:
        page.get_by_role("alert").scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/admin-protocol-refused-1920x1080.png")

    page.get_by_label("Checkpoint 2 code").fill("bp_40_again")
    page.get_by_role("button", name="Save protocol").click()
    expect(page.get_by_test_id("protocols-msg")).to_be_visible()
    kept = saved(vigil_server, protocol["code"])["rules"]["checkpoints"]
    assert [c["code"] for c in kept] == ["bp_40", "bp_40_again"]
    assert kept[0] == {
        "code": "bp_40",
        "label": "BP at 40 min (1)",
        "anchor": "after_dose",
        "minutes": 40,
        "window_minutes": 10,
    }


def test_a_new_clinic_protocol_under_its_own_code(
    vigil_server: VigilServer, signed_in: Callable[..., Page], protocol: dict[str, Any]
) -> None:
    page = signed_in("admin", viewport=SMALL)
    page.goto("/#/admin/protocols")
    page.get_by_label("New clinic protocol, starting from").select_option(label=protocol["name"])
    page.get_by_role("button", name="New protocol").click()
    expect(page.get_by_role("heading", level=2, name="New protocol")).to_be_focused()
    # A copy of the one it starts from, under a code and name of its own.
    expect(page.get_by_label("Reading every (s), infusion")).to_have_value("600")
    page.get_by_label("Code", exact=True).fill(protocol["code"])
    page.get_by_label("Name", exact=True).fill("Low-dose ketamine")
    page.get_by_label("Highest dose (mg/kg)").fill("0.5")
    page.get_by_label("Reason for the change").fill("Low-dose clinic protocol, signed off")
    page.get_by_role("button", name="Add protocol").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"There is a protocol {protocol['code']} already"
    )

    page.get_by_label("Code", exact=True).fill("Low Dose")
    page.get_by_role("button", name="Add protocol").click()
    expect(page.get_by_role("alert")).to_have_text(
        "✘ code: this contains characters that are not allowed here"
    )
    expect(page.get_by_label("Name", exact=True)).to_have_value("Low-dose ketamine")

    code = f"low-{uuid.uuid4().hex[:6]}"
    page.get_by_label("Code", exact=True).fill(code)
    fits(page)
    page.get_by_role("button", name="Add protocol").click()
    expect(page.get_by_test_id("protocols-msg")).to_contain_text(
        f"Saved Low-dose ketamine ({code})"
    )
    row = page.get_by_test_id(f"protocol-{code}")
    expect(row).to_contain_text("Low-dose ketamine")
    expect(row).to_contain_text("✔ active")
    expect(page.get_by_role("heading", level=2, name="Edit Low-dose ketamine")).to_be_visible()
    made = saved(vigil_server, code)
    assert made["rules"]["dose_mg_per_kg_max"] == 0.5
    assert made["rules"]["infusion_check_seconds"] == protocol["rules"]["infusion_check_seconds"]
    if SHOTS:
        page.set_viewport_size(FULL_HD)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=f"{SHOTS}/admin-protocols-1920x1080.png")
        page.screenshot(path=f"{SHOTS}/admin-protocols-full-1920x1080.png", full_page=True)


def test_a_change_saved_meanwhile_is_never_overwritten(
    vigil_server: VigilServer, signed_in: Callable[..., Page], protocol: dict[str, Any]
) -> None:
    page = signed_in("admin", viewport=SMALL)
    open_editor(page, protocol["name"])
    page.get_by_label("Minimum recovery (min)").fill("45")
    page.get_by_label("Reason for the change").fill("Recovery 45 min")
    # Meanwhile another admin saves a change to the same protocol.
    with vigil_server.api("admin") as api:
        answer = api.put(
            f"/api/protocols/{protocol['code']}",
            json={
                "name": protocol["name"],
                "rules": protocol["rules"] | {"min_recovery_minutes": 60},
                "reason": "Recovery 60 min",
                "based_on": protocol["updated_at"],
            },
        )
        assert answer.status_code == 200, answer.text
    page.get_by_role("button", name="Save protocol").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(f"{protocol['name']} was changed at ")
    expect(alert).to_contain_text(
        "by E2E Admin after you opened it. Open it again to see that change"
    )
    assert saved(vigil_server, protocol["code"])["rules"]["min_recovery_minutes"] == 60
    # What this admin typed stays, to make again once the other change is seen.
    expect(page.get_by_label("Minimum recovery (min)")).to_have_value("45")
    b = box(alert)
    assert b["x"] >= 0 and b["x"] + b["width"] <= SMALL["width"]
    if SHOTS:
        alert.scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/admin-protocol-changed-meanwhile-1024x768.png")
    page.get_by_role("button", name=f"Edit {protocol['name']}").click()
    expect(page.get_by_label("Minimum recovery (min)")).to_have_value("60")
    page.get_by_label("Minimum recovery (min)").fill("45")
    page.get_by_label("Reason for the change").fill("Recovery 45 min after all")
    page.get_by_role("button", name="Save protocol").click()
    expect(page.get_by_test_id("protocols-msg")).to_contain_text(f"Saved {protocol['name']}")
    assert saved(vigil_server, protocol["code"])["rules"]["min_recovery_minutes"] == 45
