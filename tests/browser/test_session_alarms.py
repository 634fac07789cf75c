"""The session screen at 1920×1080: a physician sets this patient's own SpO₂ limit (loosening it
takes a reason and a confirmation) and the alarms follow it; a nurse sees the limits but no edit
control, and the server refuses her; the chair's alarm history lists every alert with its times,
who acknowledged it and why it was resolved."""

import os
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer, start_monitoring

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("VIGIL_TEST_SCREENSHOTS")
FULL_HD = {"width": 1920, "height": 1080}
CLOCK = re.compile(r"\d\d:\d\d")


def chart(vigil_server: VigilServer, session_id: str, **vitals: Any) -> None:
    body = {
        "taken_at": datetime.now(UTC).isoformat(),
        "heart_rate": 74,
        "systolic": 124,
        "diastolic": 78,
        "spo2": 98,
        "respiratory_rate": 14,
        **vitals,
    }
    with vigil_server.api("nurse") as api:
        answer = api.put(f"/api/sessions/{session_id}/readings/{uuid.uuid4()}", json=body)
        assert answer.status_code == 201, answer.text


def box_y(row: Any) -> float:
    found = row.bounding_box()
    assert found is not None
    return float(found["y"])


def test_a_physician_sets_this_patients_spo2_limit_and_the_alarms_follow(
    vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    session = vigil_server.new_session("Chair E2E-own-spo2")
    sid, patient_id = session["id"], session["patient"]["id"]
    page = signed_in("physician", viewport=FULL_HD)
    page.goto(f"/#/sessions/{sid}")
    row = page.get_by_test_id("limit-spo2_low")
    expect(row).to_contain_text("SpO₂ low")
    expect(row).to_contain_text("medium ≤ 93, high ≤ 90 %")
    expect(page.get_by_test_id("own-spo2_low")).to_have_text("clinic's")

    row.get_by_role("button", name="Change SpO₂ low for this patient").click()
    page.get_by_label("SpO₂ low medium limit").fill("88")
    page.get_by_label("SpO₂ low high limit").fill("85")
    row.get_by_role("button", name="Save").click()
    # Fewer alarms for this patient: the server asks why, and for a confirmation.
    dialog = page.get_by_test_id("loosening")
    expect(dialog).to_contain_text("less sensitive")
    expect(dialog).to_contain_text("SpO₂ low")
    save = page.get_by_role("button", name="Save with reason")
    expect(save).to_be_disabled()
    page.get_by_label("Reason").fill("COPD, baseline SpO₂ 89–91 %")
    page.get_by_label("I confirm").check()
    save.click()
    expect(page.get_by_test_id("limits-msg")).to_contain_text("Saved ✓")
    expect(page.get_by_test_id("own-spo2_low")).to_have_text("medium ≤ 88, high ≤ 85 %")
    expect(page.get_by_test_id("loosening")).to_have_count(0)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.get_by_test_id("patient-limits").scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/session-limits-1920x1080.png")

    with vigil_server.api("admin") as api:
        audit = api.get("/api/audit", params={"action": "alert_rule.update"}).json()
    entry = next(a for a in audit if a["details"].get("patient_id") == patient_id)
    assert entry["details"]["reason"] == "COPD, baseline SpO₂ 89–91 %"
    assert entry["details"]["loosened"]

    # 89 would be a high alarm by the clinic's limits (≤ 90); for this patient it is none.
    chart(vigil_server, sid, spo2=89)
    assert not [a for a in vigil_server.alerts(sid) if a["parameter"] == "spo2"]
    chart(vigil_server, sid, spo2=87)
    spo2 = [a for a in vigil_server.alerts(sid) if a["parameter"] == "spo2"]
    assert [(a["priority"], a["limit"]) for a in spo2] == [("medium", 88)]

    # The dashboard tile marks it by this patient's limit: medium, not high.
    page.goto("/#/dashboard")
    start_monitoring(page)
    if page.get_by_label("Site").count():
        with vigil_server.api("nurse") as api:
            home = api.get(f"/api/sessions/{sid}").json()["site_id"]
            name = next(s["name"] for s in api.get("/api/sites").json() if s["id"] == home)
        page.get_by_label("Site").select_option(label=name)
    tile = page.get_by_test_id("chair-Chair E2E-own-spo2")
    expect(tile.get_by_test_id("cell-spo2")).to_have_attribute("data-abnormal", "medium")
    expect(tile.get_by_test_id("value-spo2")).to_have_text("87")
    expect(tile.get_by_test_id("flag-spo2")).to_have_text("▼ MEDIUM")


def test_a_nurse_sees_the_limits_but_cannot_change_them(
    vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    session = vigil_server.new_session("Chair E2E-nurse-limits")
    page = signed_in("nurse", viewport=FULL_HD)
    page.goto(f"/#/sessions/{session['id']}")
    expect(page.get_by_test_id("limit-spo2_low")).to_contain_text("medium ≤ 93, high ≤ 90 %")
    expect(page.locator("section.patient-limits")).to_contain_text("Only a physician changes them")
    expect(page.get_by_role("button", name=re.compile("for this patient"))).to_have_count(0)
    rule = {
        "code": "spo2_low",
        "kind": "absolute",
        "parameter": "spo2",
        "medium": {"op": "<=", "value": 88},
        "high": {"op": "<=", "value": 85},
        "enabled": True,
    }
    with vigil_server.api("nurse") as api:
        refused = api.put(
            f"/api/patients/{session['patient']['id']}/alert-rules",
            json=[rule],
            params={"reason": "trying", "confirm": "true"},
        )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Your role (nurse) may not do this."


def test_the_alarm_history_lists_every_alert_with_its_times_and_who_acknowledged(
    vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    session = vigil_server.new_session("Chair E2E-history")
    sid = session["id"]
    chart(vigil_server, sid, heart_rate=134)
    with vigil_server.api("nurse") as api:
        hr = next(a for a in vigil_server.alerts(sid) if a["parameter"] == "heart_rate")
        acked = api.post(f"/api/alerts/{hr['id']}/acknowledge", json={"note": "settled, recheck"})
        assert acked.status_code == 200, acked.text
        chart(vigil_server, sid, heart_rate=80)
        chart(vigil_server, sid, spo2=92)
        aborted = api.post(
            f"/api/sessions/{sid}/transitions", json={"to": "aborted", "reason": "patient unwell"}
        )
        assert aborted.status_code == 200, aborted.text

    page = signed_in("physician", viewport=FULL_HD)
    page.goto(f"/#/sessions/{sid}")
    table = page.get_by_test_id("alarm-history")
    rows = table.locator("tbody tr")
    stored = vigil_server.alerts(sid)
    expect(rows).to_have_count(len(stored))
    # Newest first: the SpO₂ alarm the abort resolved above the heart-rate one.
    spo2, heart = rows.filter(has_text="SpO₂ 92"), rows.filter(has_text="HR 134")
    assert box_y(spo2) < box_y(heart)
    expect(spo2.locator("td").nth(0)).to_contain_text("MEDIUM")
    expect(spo2.locator("td").nth(0)).to_contain_text("SpO₂ 92")
    expect(spo2.locator("td").nth(1)).to_have_text(CLOCK)
    expect(spo2.locator("td").nth(3)).to_have_text("—")
    expect(spo2.locator("td").nth(5)).to_contain_text("aborted")
    expect(heart.locator("td").nth(0)).to_contain_text("HIGH")
    expect(heart.locator("td").nth(0)).to_contain_text("HR 134")
    expect(heart.locator("td").nth(3)).to_contain_text("by E2E Nurse")
    expect(heart.locator("td").nth(3)).to_contain_text("settled, recheck")
    expect(heart.locator("td").nth(3)).to_have_text(re.compile(r"^\d\d:\d\d by E2E Nurse"))
    expect(heart.locator("td").nth(5)).to_have_text(re.compile(r"^\d\d:\d\d — "))
    headers = table.locator("thead th")
    expect(headers).to_have_text(
        ["Alarm", "Raised", "Escalated", "Acknowledged", "Cleared", "Resolved"]
    )
    # The table fits the screen: no column is cut off at 1920 px.
    box = table.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1920
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        table.scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/session-alarm-history-1920x1080.png")
