"""The course page and patient mode in Chromium: the tablet handed to the patient shows only
the questionnaire, goes nowhere else, and is left by a staff sign-in; item 9 alerts."""

import os
import re
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.support import HOME, VigilServer, login, start_monitoring
from tests.factories import screening_form

pytestmark = pytest.mark.browser

# Looked at by a person after a run (README: screenshots); not compared by the test.
SHOTS = Path(os.environ.get("VIGIL_SCREENSHOTS") or Path(tempfile.gettempdir()) / "vigil-shots")
TABLET = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}
CHECKLIST = {
    k: True for k in ("identity_checked", "consent_signed", "fasting_confirmed", "escort_confirmed")
}


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def phq9(total: int, item9: int = 0) -> list[int]:
    rest, answers = total - item9, []
    for _ in range(8):
        answers.append(min(3, rest))
        rest -= answers[-1]
    return [*answers, item9]


def a_course(server: VigilServer) -> dict[str, Any]:
    """A patient three infusions into a course: PHQ-9 21, 17, 14 and GAD-7 alongside."""
    with server.api("nurse") as api:
        name = f"Course Patient {uuid.uuid4().hex[:4]}"
        patient = api.post(
            "/api/patients",
            json={
                "mrn": f"E2E-{uuid.uuid4().hex[:10]}",
                "full_name": name,
                "date_of_birth": "1979-05-06",
            },
        ).json()
        course = api.post(
            f"/api/patients/{patient['id']}/courses",
            json={"indication": "depression", "planned_sessions": 6, "started_on": "2026-11-02"},
        ).json()
        sessions = []
        for n, total in enumerate([21, 17, 14], start=1):
            s = api.post(
                "/api/sessions",
                json={
                    "patient_id": patient["id"],
                    "course_id": course["id"],
                    "chair_id": server.chair(f"Course chair {uuid.uuid4().hex[:4]}"),
                    "weight_kg": 70,
                    "dose_mg_per_kg": 0.5,
                },
            ).json()
            assert (
                api.patch(f"/api/sessions/{s['id']}/checklist", json=CHECKLIST).status_code == 200
            )
            form = screening_form()
            assert api.post(f"/api/sessions/{s['id']}/screening", json=form).status_code == 201
            reading = {
                "taken_at": _now(),
                "heart_rate": 72,
                "systolic": 128,
                "diastolic": 80,
                "spo2": 98,
            }
            assert (
                api.put(
                    f"/api/sessions/{s['id']}/readings/{uuid.uuid4()}", json=reading
                ).status_code
                == 201
            )
            for scale, answers in (
                ("phq9", phq9(total)),
                ("gad7", [2, 2, 2, 2, 1, 1, 1] if n == 1 else [1] * 7),
            ):
                answer = api.post(
                    f"/api/courses/{course['id']}/responses",
                    json={"scale": scale, "session_id": s["id"], "answers": answers},
                )
                assert answer.status_code == 201, answer.text
            assert (
                api.post(
                    f"/api/sessions/{s['id']}/transitions", json={"to": "infusion"}
                ).status_code
                == 200
            )
            if n < 3:
                ended = api.post(
                    f"/api/sessions/{s['id']}/transitions",
                    json={"to": "aborted", "reason": "test course: earlier infusion"},
                )
                assert ended.status_code == 200, ended.text
            sessions.append(s)
        return {"patient": patient, "course": course, "sessions": sessions}


def _now() -> str:
    return datetime.now(UTC).isoformat()


def test_course_page_shows_outcome_trend_and_infusions(
    new_context, vigil_server: VigilServer
) -> None:  # type: ignore[no-untyped-def]
    data = a_course(vigil_server)
    views = (
        ("physician", {"width": 1920, "height": 1080}, "course-physician-1920"),
        ("nurse", TABLET, "course-tablet-1024"),
        ("nurse", PORTRAIT, "course-tablet-768"),
    )
    for who, size, name in views:
        page = new_context(viewport=size).new_page()
        login(page, who)
        page.goto(f"/#/courses/{data['course']['id']}")
        expect(page.get_by_test_id("outcome-phq9")).to_contain_text("21 → 14")
        expect(page.get_by_test_id("outcome-phq9")).to_contain_text("response ✗ no")
        rows = page.get_by_test_id("course-sessions").locator("tbody tr")
        expect(rows).to_have_count(3)
        chart = page.get_by_test_id("trend-PHQ-9")
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 150
        # The chart fits the page: no sideways scrolling on the tablet.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shot(page, name)
        page.context.close()


def test_patient_mode_shows_only_the_questionnaire_and_leaves_by_staff_sign_in(  # type: ignore[no-untyped-def]
    new_context, vigil_server: VigilServer
) -> None:
    data = a_course(vigil_server)
    context: BrowserContext = new_context(viewport=TABLET)
    page = context.new_page()
    login(page, "nurse")
    page.goto(f"/#/courses/{data['course']['id']}")
    page.get_by_role("button", name="Hand tablet to patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Questionnaire")
    expect(page.get_by_test_id("scale-phq9")).to_be_visible()
    expect(page.get_by_test_id("scale-gad7")).to_be_visible()
    shot(page, "patient-mode-1024")
    body = page.locator("body").inner_text()
    for phi in (data["patient"]["full_name"], data["patient"]["mrn"], "1979-05-06"):
        assert phi not in body
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)

    # No way to other patients or the dashboard: every route shows the questionnaire.
    for route in (
        "#/dashboard",
        f"#/sessions/{data['sessions'][0]['id']}",
        "#/nurse",
        "#/admin",
        f"#/courses/{data['course']['id']}",
    ):
        page.goto(f"/{route}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Questionnaire")
        expect(page.get_by_text("Chairs")).to_have_count(0)
        assert data["patient"]["full_name"] not in page.locator("body").inner_text()
    # The staff login was ended when the tablet was handed over; its cookie opens nothing.
    status = page.evaluate("fetch('/api/sessions', {credentials: 'include'}).then(r => r.status)")
    assert status == 401

    page.set_viewport_size(PORTRAIT)
    shot(page, "patient-mode-768")
    page.set_viewport_size(TABLET)

    send = page.get_by_role("button", name="Send my answers")
    send.click()
    expect(page.get_by_role("alert")).to_contain_text("Please answer every question")
    for i, value in enumerate(phq9(12, item9=1), start=1):
        page.locator(f'input[name="phq9-{i}"]').nth(value).check()
    for i in range(1, 8):
        page.locator(f'input[name="gad7-{i}"]').nth(1).check()
    option = page.locator('input[name="phq9-9"]').nth(1).locator("xpath=..")
    box = option.bounding_box()
    assert box is not None and box["height"] >= 44  # a finger-sized target
    send.click()
    expect(page.get_by_role("status")).to_contain_text("Thank you")

    alerts = [a for a in vigil_server.alerts(data["sessions"][2]["id"]) if a["kind"] == "safety"]
    assert len(alerts) == 1 and alerts[0]["priority"] == "high"

    page.get_by_role("button", name="Staff sign-in").click()
    page.get_by_label("Username").fill("nina")
    page.get_by_label("Password").fill("browser-test-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(HOME["nurse"]) + "$"))
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_the_item9_alert_is_acknowledged_only_with_a_note(
    signed_in, vigil_server: VigilServer
) -> None:  # type: ignore[no-untyped-def]
    data = a_course(vigil_server)
    sid = data["sessions"][2]["id"]
    with vigil_server.api("nurse") as api:
        answer = api.post(
            f"/api/courses/{data['course']['id']}/responses",
            json={"scale": "phq9", "session_id": sid, "answers": phq9(10, item9=2)},
        )
        alert = answer.json()["alert"]
    page = signed_in("physician", viewport={"width": 1920, "height": 1080})
    start_monitoring(page)
    row = page.get_by_test_id(f"alert-{alert['id']}")
    expect(row).to_contain_text("PHQ-9 item 9")
    row.get_by_role("button", name="Acknowledge").click()
    expect(row.get_by_role("alert")).to_contain_text("Write what was done")
    row.get_by_test_id(f"ack-note-{alert['id']}").fill("Called Dr Chen; seen, safety plan.")
    shot(page, "dashboard-item9-1920")
    row.get_by_role("button", name="Acknowledge").click()
    # Acknowledged with its note, it is resolved and leaves the open alerts.
    expect(row).to_have_count(0)
    states = [a["state"] for a in vigil_server.alerts(sid) if a["id"] == alert["id"]]
    assert states == ["resolved"]


def test_a_nurse_starts_a_course_with_a_new_session(signed_in, vigil_server: VigilServer) -> None:  # type: ignore[no-untyped-def]
    name = f"Newcourse Patient {uuid.uuid4().hex[:6]}"
    with vigil_server.api("nurse") as api:
        created = api.post(
            "/api/patients",
            json={
                "mrn": f"E2E-{uuid.uuid4().hex[:10]}",
                "full_name": name,
                "date_of_birth": "1990-01-02",
            },
        )
        assert created.status_code == 201
    chair = f"Chair {uuid.uuid4().hex[:4]}"
    vigil_server.chair(chair)
    page = signed_in("nurse", viewport=TABLET)
    page.get_by_role("button", name="＋ New session").click()
    page.get_by_label("Find patient (MRN or name)").fill(name)
    page.get_by_role("button", name=re.compile(re.escape(name))).click()
    page.get_by_label("Course", exact=True).select_option(label="Start a new course…")
    page.get_by_label("Indication").select_option("ptsd")
    page.get_by_label("Infusions planned").fill("4")
    page.get_by_label("Chair", exact=True).select_option(label=chair)
    page.get_by_label("Weight today (kg)").fill("70")
    page.get_by_label("Dose (mg/kg)").fill("0.5")
    shot(page, "new-session-course-1024")
    page.get_by_role("button", name="Create session").click()
    expect(page).to_have_url(re.compile(r"#/nurse/[0-9a-f-]{36}$"))
    session_id = page.url.rsplit("/", 1)[-1]
    page.goto(f"/#/sessions/{session_id}")
    page.get_by_role("link", name="Treatment course").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Treatment course · {name}")
    expect(page.locator(".session-facts")).to_contain_text("ptsd · protocol iv-ketamine")
    expect(page.locator(".session-facts")).to_contain_text("1 of 4 planned infusions")
