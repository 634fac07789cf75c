"""The chart draws, and the entry form warns by, the limits the server alerts on, with the patient's
own overrides."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer

pytestmark = pytest.mark.browser


def test_chart_limits_follow_the_patients_rules(
    signed_in: Callable[..., Page], vigil_server: VigilServer, tmp_path: Path
) -> None:
    session = vigil_server.new_session("Chair E2E-limits")
    override = {
        "code": "sbp_high",
        "kind": "absolute",
        "parameter": "systolic",
        "medium": {"op": ">", "value": 150},
        "high": {"op": ">=", "value": 170},
        "enabled": True,
    }
    with vigil_server.api("physician") as api:
        answer = api.put(f"/api/patients/{session['patient']['id']}/alert-rules", json=[override])
        assert answer.status_code == 200, answer.text
    page = signed_in("physician", viewport={"width": 1920, "height": 1080})
    page.goto(f"/#/sessions/{session['id']}")
    chart = page.get_by_role("img", name=re.compile("Vital signs chart"))
    expect(chart).to_have_attribute("aria-label", re.compile(r"limit lines: .*SBP ≥ 170"))
    expect(chart).to_have_attribute("aria-label", re.compile(r"SpO₂ ≤ 90"))
    expect(chart).not_to_have_attribute("aria-label", re.compile(r"SBP ≥ 180"))
    box = chart.bounding_box()
    assert box is not None and box["width"] > 1000 and box["height"] > 300
    page.screenshot(path=tmp_path / "session-detail.png")


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1024, "height": 768}, {"width": 768, "height": 1024}],
    ids=["1024x768", "768x1024"],
)
def test_the_entry_form_warns_by_the_patients_rules_and_follows_a_change(
    signed_in: Callable[..., Page],
    vigil_server: VigilServer,
    tmp_path: Path,
    viewport: dict[str, int],
) -> None:
    size = f"{viewport['width']}x{viewport['height']}"
    session = vigil_server.new_session(f"Chair E2E-warn-{size}")
    rules_url = f"/api/patients/{session['patient']['id']}/alert-rules"
    override = {
        "code": "sbp_high",
        "kind": "absolute",
        "parameter": "systolic",
        "medium": {"op": ">", "value": 150},
        "high": {"op": ">=", "value": 170},
        "enabled": True,
    }
    with vigil_server.api("physician") as api:
        assert api.put(rules_url, json=[override]).status_code == 200
    nurse = signed_in("nurse", viewport=viewport)
    nurse.goto(f"/#/nurse/{session['id']}")
    nurse.locator("#sbp").fill("160")
    message = nurse.locator("#sbp-msg")
    expect(message).to_have_text("⚠ 160 would raise a MEDIUM alert (> 150): check it")
    # Under its own box, inside the screen: the nurse reads it where she typed.
    field, shown = nurse.locator("#sbp").bounding_box(), message.bounding_box()
    assert field is not None and shown is not None
    assert shown["y"] >= field["y"] + field["height"] - 1
    assert abs(shown["x"] - field["x"]) < 40 and shown["x"] + shown["width"] <= viewport["width"]
    nurse.screenshot(path=tmp_path / f"entry-limit-warning-{size}.png")

    # The physician loosens the limit (audited, with a reason): the open form follows at once.
    looser = {**override, "medium": {"op": ">", "value": 165}}
    with vigil_server.api("physician") as api:
        answer = api.put(
            rules_url, json=[looser], params={"reason": "known hypertensive", "confirm": "true"}
        )
        assert answer.status_code == 200, answer.text
    expect(message).to_have_count(0)
    nurse.locator("#sbp").fill("172")
    expect(message).to_have_text("⚠ 172 would raise a HIGH alert (≥ 170): check it")
    # A warning never blocks: the reading is stored.
    nurse.locator("#hr").fill("80")
    nurse.locator("#dbp").fill("90")
    nurse.locator("#spo2").fill("97")
    nurse.get_by_role("button", name="Save reading").click()
    expect(nurse.get_by_text("Saved ✓")).to_be_visible()
    assert [r["systolic"] for r in vigil_server.readings(session["id"])] == [172]
