"""A late entry on a discharged (here: ended) session at tablet size: the form says what it is,
asks when the reading was taken and why it is late, charts it at the time taken, and the stored
reading is marked LATE ENTRY in the reading list."""

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer
from tests.browser.test_nurse_entry import LANDSCAPE, PORTRAIT, SHOTS, fill

pytestmark = pytest.mark.browser

REASON = "Paper chart from recovery, typed in after discharge"


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["1024x768", "768x1024"])
def test_a_late_entry_on_an_ended_session_is_marked_late(
    vigil_server: VigilServer,
    signed_in: Callable[..., Page],
    viewport: dict[str, int],
    tmp_path: Path,
) -> None:
    sid = vigil_server.new_session(f"Chair L-{viewport['width']}")["id"]
    with vigil_server.api("nurse") as api:
        ended = api.post(
            f"/api/sessions/{sid}/transitions",
            json={"to": "aborted", "reason": "Patient asked to stop"},
        )
        assert ended.status_code == 200, ended.text
    nurse = signed_in("nurse", viewport=viewport)
    nurse.goto(f"/#/nurse/{sid}")
    expect(nurse.get_by_role("heading", name="Late entry")).to_be_visible()
    expect(nurse.get_by_test_id("late-banner")).to_contain_text("Session aborted at")
    expect(nurse.get_by_test_id("late-banner")).to_contain_text("LATE ENTRY")

    fill(nurse, hr=88, sbp=186, dbp=95, spo2=97)
    save = nurse.get_by_role("button", name="Save late entry")
    save.click()
    expect(nurse.locator("#late-time-msg")).to_have_text(
        "✘ Give the time the reading was taken, from the paper record"
    )
    expect(nurse.locator("#late-reason-msg")).to_have_text(
        "✘ Give the reason this reading is entered late"
    )
    expect(nurse.locator("#late-time")).to_be_focused()
    nurse.screenshot(path=tmp_path / "late-entry-refused.png")
    assert vigil_server.readings(sid) == []

    # The paper record's time: this minute on the tablet's clock (the session began just now).
    hh, mm = nurse.evaluate(
        "() => { const d = new Date(); return [d.getHours(), d.getMinutes()]; }"
    )
    nurse.locator("#late-time").fill(f"{hh:02d}:{mm:02d}")
    expect(nurse.get_by_test_id("late-time-at")).to_contain_text("Charted at ")
    expect(nurse.get_by_test_id("late-time-at")).to_contain_text(f"{hh:02d}:{mm:02d}")
    nurse.locator("#late-reason").fill(REASON)
    save.click()
    expect(nurse.get_by_test_id("saved-msg")).to_contain_text("Saved ✓")
    [stored] = vigil_server.readings(sid)
    assert stored["late_reason"] == REASON
    taken = datetime.fromisoformat(stored["taken_at"]).astimezone()
    assert (taken.hour, taken.minute, taken.second) == (hh, mm, 0)
    # Documentation of an ended session: SBP 186 raised nothing.
    assert vigil_server.alerts(sid) == []

    row = nurse.get_by_test_id(f"reading-{stored['id']}")
    marker = row.get_by_test_id("late-marker")
    expect(marker).to_have_text(f"LATE ENTRY: {REASON}")
    box, page_width = marker.bounding_box(), viewport["width"]
    assert box is not None and box["width"] > 0 and box["x"] + box["width"] <= page_width
    size = f"{viewport['width']}x{viewport['height']}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    marker.scroll_into_view_if_needed()
    nurse.screenshot(path=SHOTS / f"nurse-late-entry-{size}.png")

    # The chart marks it too: LATE over its time, and in words for a screen reader.
    nurse.goto(f"/#/sessions/{sid}")
    chart = nurse.get_by_role("img", name=re.compile("Vital signs chart"))
    expect(chart).to_have_attribute("aria-label", re.compile(r"with 1 readings, 1 late entry;"))
    nurse.screenshot(path=tmp_path / "late-entry-chart.png")
