"""The nurse's entry screen at tablet sizes never misstates what is on the record."""

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import ROOT, VigilServer, enter_reading
from tests.factories import screening_form

pytestmark = pytest.mark.browser

LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}
SHOTS = ROOT / "docs" / "screenshots"


def open_chair(signed_in: Callable[..., Page], sid: str, viewport: dict[str, int]) -> Page:
    nurse = signed_in("nurse", viewport=viewport)
    nurse.goto(f"/#/nurse/{sid}")
    expect(nurse.get_by_role("heading", name="New reading")).to_be_visible()
    return nurse


def fill(page: Page, **values: str | int) -> None:
    for field_id, value in values.items():
        page.locator(f"#{field_id}").fill(str(value))


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["1024x768", "768x1024"])
def test_a_note_too_long_never_shows_saved_and_keeps_the_values(
    vigil_server: VigilServer, signed_in: Callable[..., Page], viewport: dict[str, int]
) -> None:
    sid = vigil_server.new_session(f"Chair N-{viewport['width']}")["id"]
    nurse = open_chair(signed_in, sid, viewport)
    fill(nurse, hr=72, sbp=124, dbp=78, spo2=98, note="x" * 10_000)
    nurse.get_by_role("button", name="Save reading").click()
    expect(nurse.locator("#note-msg")).to_contain_text("Note is too long: 10,000 characters")
    expect(nurse.get_by_text("Saved ✓")).to_have_count(0)
    expect(nurse.locator("#hr")).to_have_value("72")
    expect(nurse.locator("#note")).to_have_value("x" * 10_000)
    assert vigil_server.readings(sid) == []
    expect(nurse.get_by_test_id("outbox-status")).not_to_contain_text("failed")


def test_a_refused_reading_stays_until_fixed_or_discarded_with_a_reason(
    vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    sid = vigil_server.new_session("Chair N-refused")["id"]
    nurse = open_chair(signed_in, sid, LANDSCAPE)
    nurse.context.set_offline(True)
    enter_reading(nurse, "Queued (offline)", hr=70, sbp=120, dbp=80, spo2=97)
    # Meanwhile the session is ended at the desk: the queued reading will be refused.
    with vigil_server.api("physician") as api:
        ended = api.post(
            f"/api/sessions/{sid}/transitions", json={"to": "aborted", "reason": "test"}
        )
        assert ended.status_code == 200, ended.text
    nurse.context.set_offline(False)
    outbox = nurse.get_by_test_id("outbox-status")
    expect(outbox).to_contain_text("1 reading NOT saved", timeout=15_000)
    expect(outbox).to_contain_text("aborted")
    expect(nurse.get_by_text("All readings synced")).to_have_count(0)
    expect(nurse.get_by_test_id("saved-msg")).to_contain_text("Not saved: the queued reading")
    expect(nurse.get_by_test_id("saved-msg")).not_to_contain_text("Queued")

    SHOTS.mkdir(parents=True, exist_ok=True)
    nurse.screenshot(path=SHOTS / "nurse-entry-refused-1024x768.png")
    # It survives a reload, and leaves only with a reason the server audits.
    nurse.reload()
    failed = nurse.locator("[data-testid^=outbox-failed-]")
    expect(failed).to_have_count(1)
    failed.get_by_role("button", name="Discard…").click()
    discard = failed.get_by_role("button", name="Discard with this reason")
    expect(discard).to_be_disabled()
    failed.get_by_label("Why discard it?").fill("session aborted, patient left")
    discard.click()
    expect(failed).to_have_count(0)
    expect(outbox).to_contain_text("All readings synced ✓")
    with vigil_server.api("admin") as api:
        audit = api.get("/api/audit", params={"action": "reading.discard"}).json()
    assert any(a["details"]["reason"] == "session aborted, patient left" for a in audit)
    assert vigil_server.readings(sid) == []


def test_enter_moves_on_and_an_implausible_value_needs_a_confirmation(
    vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    sid = vigil_server.new_session("Chair N-confirm")["id"]
    nurse = open_chair(signed_in, sid, PORTRAIT)
    # a baseline is due from the start of the session
    expect(nurse.get_by_test_id("due-countdown")).to_contain_text("Reading overdue by 0:")
    hr = nurse.locator("#hr")
    expect(hr).to_have_attribute("inputmode", "numeric")
    hr.fill("0")
    hr.press("Enter")
    expect(nurse.locator("#sbp")).to_be_focused()
    expect(nurse.get_by_text("is required")).to_have_count(0)
    nurse.locator("#temp").fill("98.6")
    expect(nurse.locator("#temp-msg")).to_contain_text("looks like °F (= 37.0 °C)")
    nurse.locator("#temp").fill("")
    fill(nurse, sbp=124, dbp=78, spo2=98)
    expect(nurse.locator("#hr-msg")).to_contain_text("implausible for a conscious patient")
    nurse.get_by_role("button", name="Save reading").click()
    expect(nurse.get_by_role("alert").filter(has_text="Confirm or re-measure")).to_be_visible()
    assert vigil_server.readings(sid) == []
    nurse.get_by_test_id("confirm-hr").check()
    nurse.get_by_role("button", name="Save reading").click()
    expect(nurse.get_by_test_id("saved-msg")).to_contain_text("Saved ✓")
    [stored] = vigil_server.readings(sid)
    assert stored["heart_rate"] == 0 and stored["is_baseline"] is False
    expect(nurse.get_by_test_id("last-hr")).to_have_text("0")
    # HR 0 raised a high alert: the next reading is due within 2 minutes, counted down
    expect(nurse.get_by_test_id("due-countdown")).to_have_text(
        re.compile(r"Next reading due in [12]:\d\d \(sooner after the alert\)")
    )


def test_baseline_re_pick_unblocks_the_start(
    vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    sid = vigil_server.new_session("Chair N-baseline")["id"]
    with vigil_server.api("nurse") as api:
        checklist = {
            "identity_checked": True,
            "consent_signed": True,
            "fasting_confirmed": True,
            "escort_confirmed": True,
        }
        assert api.patch(f"/api/sessions/{sid}/checklist", json=checklist).status_code == 200
        assert api.post(f"/api/sessions/{sid}/screening", json=screening_form()).is_success
    nurse = open_chair(signed_in, sid, LANDSCAPE)
    enter_reading(nurse, hr=80, sbp=150, dbp=95, spo2=98)
    enter_reading(nurse, hr=76, sbp=132, dbp=84, spo2=98)
    rows = nurse.locator("[data-testid^=reading-]")
    expect(rows).to_have_count(2)
    first, rested = (
        r["id"]
        for r in sorted(vigil_server.readings(sid), key=lambda r: r["systolic"], reverse=True)
    )
    expect(nurse.get_by_test_id(f"reading-{first}")).to_contain_text("★ Baseline")
    row = nurse.get_by_test_id(f"reading-{rested}")
    row.get_by_role("button", name="Use as baseline…").click()
    row.get_by_label("Reason").fill("re-measured after 10 min rest")
    row.get_by_role("button", name="Use as the baseline").click()
    expect(row).to_contain_text("★ Baseline")
    expect(nurse.get_by_test_id(f"reading-{first}")).not_to_contain_text("★ Baseline")
    with vigil_server.api("nurse") as api:
        started = api.post(f"/api/sessions/{sid}/transitions", json={"to": "infusion"})
        assert started.status_code == 200, started.text
    SHOTS.mkdir(parents=True, exist_ok=True)
    nurse.screenshot(path=SHOTS / "nurse-entry-1024x768.png", full_page=True)


def test_amend_and_entered_in_error_from_the_reading_list(
    vigil_server: VigilServer, signed_in: Callable[..., Page], tmp_path: Path
) -> None:
    sid = vigil_server.new_session("Chair N-correct")["id"]
    nurse = open_chair(signed_in, sid, PORTRAIT)
    enter_reading(nurse, hr=77, sbp=124, dbp=78, spo2=98)
    [typo] = vigil_server.readings(sid)
    row = nurse.get_by_test_id(f"reading-{typo['id']}")
    row.get_by_role("button", name="Correct…").click()
    row.locator("#amend-hr").fill("72")
    row.get_by_label("Reason").fill("typo, HR was 72")
    row.get_by_role("button", name="Correct this reading").click()
    expect(row).to_contain_text("Corrected")
    expect(row).to_contain_text("typo, HR was 72")
    expect(nurse.get_by_test_id("last-hr")).to_have_text("72")
    readings = {r["id"]: r for r in vigil_server.readings(sid)}
    assert readings[typo["id"]]["status"] == "amended"
    [fixed] = [r for r in readings.values() if r["amends"] == typo["id"]]
    assert fixed["heart_rate"] == 72

    fixed_row = nurse.get_by_test_id(f"reading-{fixed['id']}")
    fixed_row.get_by_role("button", name="Entered in error…").click()
    fixed_row.get_by_label("Reason").fill("wrong patient's monitor")
    fixed_row.get_by_role("button", name="Mark as entered in error").click()
    expect(fixed_row).to_contain_text("Entered in error: wrong patient's monitor")
    expect(fixed_row.get_by_role("button", name="Correct…")).to_have_count(0)
    # the history stays: both rows are still listed
    expect(nurse.locator("[data-testid^=reading-]")).to_have_count(2)
    assert {r["status"] for r in vigil_server.readings(sid)} == {"amended", "entered_in_error"}
    SHOTS.mkdir(parents=True, exist_ok=True)
    nurse.screenshot(path=SHOTS / "nurse-entry-768x1024.png", full_page=True)


def test_discharge_pre_fills_the_aldrete_items_the_readings_decide(
    vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    sid = vigil_server.new_session("Chair N-aldrete")["id"]
    with vigil_server.api("nurse") as api:
        checklist = dict.fromkeys(
            ("identity_checked", "consent_signed", "fasting_confirmed", "escort_confirmed"), True
        )
        assert api.patch(f"/api/sessions/{sid}/checklist", json=checklist).status_code == 200
        assert api.post(f"/api/sessions/{sid}/screening", json=screening_form()).is_success
        baseline = {"heart_rate": 72, "systolic": 120, "diastolic": 78, "spo2": 98}
        now = datetime.now(UTC).isoformat()
        put = api.put(
            f"/api/sessions/{sid}/readings/{uuid.uuid4()}", json=baseline | {"taken_at": now}
        )
        assert put.status_code == 201, put.text
        for to in ("infusion", "recovery"):
            answer = api.post(f"/api/sessions/{sid}/transitions", json={"to": to})
            assert answer.status_code == 200, answer.text
    nurse = open_chair(signed_in, sid, LANDSCAPE)
    nurse.locator("#acvpu").select_option("A")
    enter_reading(nurse, hr=70, sbp=130, dbp=80, spo2=97)
    nurse.get_by_role("button", name="Discharge").click()
    for item in ("circulation", "oxygen_saturation", "consciousness"):
        expect(nurse.locator(f"#aldrete-{item}")).to_have_value("2")
        expect(nurse.get_by_test_id(f"aldrete-confirm-{item}")).to_be_visible()
    expect(nurse.locator("#aldrete-activity")).to_have_value("")
    nurse.locator("#aldrete-activity").select_option("2")
    nurse.locator("#aldrete-respiration").select_option("2")
    nurse.get_by_role("button", name="Confirm: Discharge").click()
    expect(
        nurse.get_by_text("Confirm the items pre-filled from the readings first.")
    ).to_be_visible()


def test_corrections_from_the_chart_page(
    vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    sid = vigil_server.new_session("Chair N-chart")["id"]
    with vigil_server.api("nurse") as api:
        body = {"heart_rate": 72, "systolic": 120, "diastolic": 78, "spo2": 98}
        rid = str(uuid.uuid4())
        put = api.put(
            f"/api/sessions/{sid}/readings/{rid}",
            json=body | {"taken_at": datetime.now(UTC).isoformat()},
        )
        assert put.status_code == 201, put.text
    doctor = signed_in("physician", viewport={"width": 1920, "height": 1080})
    doctor.goto(f"/#/sessions/{sid}")
    row = doctor.get_by_test_id(f"reading-{rid}")
    row.get_by_role("button", name="Entered in error…").click()
    row.get_by_label("Reason").fill("monitor of the next chair")
    row.get_by_role("button", name="Mark as entered in error").click()
    expect(row).to_contain_text("Entered in error: monitor of the next chair")
    assert vigil_server.readings(sid)[0]["status"] == "entered_in_error"
