"""The nurse validates what the bedside monitor sent, at the tablet (1024x768 and 768x1024): the
readings awaiting her check are listed, an artefact is unticked and the rest validated in one tap,
then the artefact rejected with a reason; the physician's chart marks what is not validated."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer
from tests.browser.test_held_messages import DESK, TABLET, send, unknown_monitor

pytestmark = pytest.mark.browser

DEVICE = "00A0B0C0D0E0F0AA"


def test_a_nurse_validates_a_batch_and_rejects_an_artefact(
    signed_in: Callable[..., Page], vigil_server: VigilServer, tmp_path: Path
) -> None:
    s = vigil_server.new_session("Chair E2E-review")
    mrn = s["patient"]["mrn"]
    for spo2, ago in ((97, 40), (84, 30), (96, 20)):
        ack = send(vigil_server.mllp_port, unknown_monitor(DEVICE, mrn, spo2, seconds_ago=ago))
        assert "MSA|AA" in ack, ack

    desk = signed_in("physician", viewport=DESK)
    desk.goto(f"/#/sessions/{s['id']}")
    chart = desk.get_by_role("img", name=re.compile("Vital signs chart"))
    expect(chart).to_have_attribute("aria-label", re.compile(r"3 monitor readings not validated"))
    desk.screenshot(path=tmp_path / "chart-unvalidated-1920.png", full_page=True)

    page = signed_in("nurse", viewport=TABLET)
    page.goto(f"/#/nurse/{s['id']}")
    panel = page.get_by_role("region", name=re.compile("Monitor readings to validate"))
    expect(panel.get_by_role("heading")).to_have_text("Monitor readings to validate (3)")
    rows = panel.get_by_role("listitem")
    expect(rows).to_have_count(3)
    # Newest first, each with its values; the checkboxes are finger-sized.
    expect(rows.nth(1)).to_contain_text("SpO₂ 84")
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= TABLET["width"]
    tick = rows.nth(1).get_by_role("checkbox")
    tick_box = rows.nth(1).bounding_box()
    assert tick_box is not None and tick_box["height"] >= 44
    page.screenshot(path=tmp_path / "review-1024.png", full_page=True)

    tick.uncheck()
    validate = panel.get_by_role("button", name="✓ Validate 2 monitor readings")
    validate.click()
    expect(panel.get_by_role("status")).to_contain_text("✓ Validated 2 monitor readings")
    expect(panel.get_by_role("heading")).to_have_text("Monitor readings to validate (1)")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("SpO₂ 84")

    panel.get_by_role("button", name="✘ Reject 1…").click()
    form = panel.get_by_role("form", name="Reject monitor readings")
    confirm = form.get_by_role("button", name="Reject 1 monitor reading")
    expect(confirm).to_be_disabled()
    form.get_by_label(re.compile("Why are these values not the patient's")).fill(
        "probe off the finger"
    )
    confirm.click()
    expect(panel.get_by_role("status")).to_have_text(
        "✘ Rejected 1 monitor reading: probe off the finger"
    )
    expect(panel).to_contain_text("✓ Every monitor reading is validated.")

    marks = page.get_by_test_id("device-mark")
    expect(marks).to_have_count(3)
    expect(marks.filter(has_text="validated by E2E Nurse")).to_have_count(2)
    history = page.get_by_role("region", name=re.compile("^Readings"))
    expect(history).to_contain_text("Entered in error: probe off the finger")
    # SpO2 and pulse alone are no baseline (the server refuses them): not offered.
    expect(history.get_by_role("button", name="Use as baseline…")).to_have_count(0)
    page.set_viewport_size({"width": 768, "height": 1024})
    page.screenshot(path=tmp_path / "review-done-768.png", full_page=True)

    stored = {r["spo2"]: r for r in vigil_server.readings(s["id"])}
    assert stored[97]["validated_by_name"] == stored[96]["validated_by_name"] == "E2E Nurse"
    assert (stored[84]["status"], stored[84]["validated_at"]) == ("entered_in_error", None)
    desk.reload()
    expect(chart).to_have_attribute("aria-label", re.compile(r"Vital signs chart with 2 readings;"))
