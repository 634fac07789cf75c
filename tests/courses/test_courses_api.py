"""Courses and questionnaires over HTTP, on SQLite and PostgreSQL."""

import uuid

import pytest

from tests import factories
from tests.courses.support import course, infuse_and_discharge, phq9, respond, visit

pytestmark = pytest.mark.anyio


async def audit_actions(staff) -> list[str]:  # type: ignore[no-untyped-def]
    rows = (await staff.admin.get("/api/audit", params={"limit": 500})).json()
    return [r["action"] for r in rows]


async def test_a_course_of_six_infusions_responds_without_remission_and_item9_alerts(staff):
    """The issue's scenario: PHQ-9 21 → 8 over six infusions; an item-9 answer of 1 alerts."""
    c = await course(staff.nurse)
    totals = [21, 18, 15, 12, 10, 8]
    for n, total in enumerate(totals, start=1):
        sid = await visit(staff.nurse, c)
        item9 = 1 if n == 3 else 0
        answer = await respond(staff.nurse, c["id"], sid, "phq9", phq9(total, item9))
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["total"] == total
        if n == 3:
            alert = body["alert"]
            assert (alert["priority"], alert["kind"], alert["state"]) == (
                "high",
                "safety",
                "active",
            )
            assert alert["session_id"] == sid
            assert "item 9" in alert["message"] and "'Several days' (1)" in alert["message"]
            # It is on the dashboard's list of open alerts.
            listed = (await staff.physician.get("/api/alerts", params={"state": "open"})).json()
            assert alert["id"] in [a["id"] for a in listed]
            # No acknowledgement without a note of what was done.
            bare = await staff.physician.post(f"/api/alerts/{alert['id']}/acknowledge")
            assert bare.status_code == 422
            assert bare.json()["detail"][0]["loc"] == ["body", "note"]
            blank = await staff.physician.post(
                f"/api/alerts/{alert['id']}/acknowledge", json={"note": "   "}
            )
            assert blank.status_code == 422
            ok = await staff.physician.post(
                f"/api/alerts/{alert['id']}/acknowledge",
                json={"note": "Seen by Dr Chen; safety plan reviewed, no intent."},
            )
            assert ok.status_code == 200, ok.text
            assert ok.json()["ack_note"].startswith("Seen by Dr Chen")
            assert ok.json()["state"] == "resolved"
        else:
            assert body["alert"] is None
        await infuse_and_discharge(staff.nurse, sid, systolic=150 + n, diastolic=88, spo2=100 - n)

    detail = (await staff.physician.get(f"/api/courses/{c['id']}")).json()
    assert [s["number"] for s in detail["sessions"]] == [1, 2, 3, 4, 5, 6]
    assert [r["total"] for r in detail["responses"]] == totals
    assert detail["responses"][0]["band"] == "severe"
    assert detail["responses"][-1]["band"] == "mild"
    (phq,) = detail["outcomes"]
    assert phq == {
        "scale": "phq9",
        "baseline": 21,
        "latest": 8,
        "change": -13,
        "response": True,
        "remission": False,
    }
    third = detail["sessions"][2]
    assert third["peak_bp"] == {"systolic": 153, "diastolic": 88}
    assert third["lowest_spo2"] == 97
    assert third["alert_count"] >= 1  # the item-9 alert
    assert (third["planned_dose_mg"], third["delivered_mg"]) == (35.0, None)  # no pump log
    actions = await audit_actions(staff)
    assert actions.count("questionnaire.record") == 6
    assert "course.create" in actions and "course.read" in actions


async def test_answers_are_checked_and_explained(staff):
    c = await course(staff.nurse)
    sid = await visit(staff.nurse, c)
    short = await respond(staff.nurse, c["id"], sid, "phq9", [0] * 8)
    assert short.status_code == 422
    assert short.json()["detail"][0]["msg"] == (
        "PHQ-9 (Patient Health Questionnaire) has 9 items; 8 answers were sent"
    )
    high = await respond(staff.nurse, c["id"], sid, "gad7", [0] * 6 + [4])
    assert high.json()["detail"][0]["msg"] == "item 7 must be between 0 and 3"
    text = await respond(staff.nurse, c["id"], sid, "phq9", ["1"] * 9)  # type: ignore[list-item]
    assert text.status_code == 422
    unknown = await respond(staff.nurse, c["id"], sid, "bdi", [0] * 21)
    assert unknown.status_code == 422
    pcl = await respond(staff.nurse, c["id"], sid, "pcl5", [2] * 20)
    assert pcl.status_code == 201
    assert (pcl.json()["total"], pcl.json()["band"], pcl.json()["dsm5_rule"]) == (
        40,
        "provisional PTSD",
        True,
    )


async def test_a_response_belongs_to_a_visit_of_its_course(staff):
    c = await course(staff.nurse)
    other = await course(staff.nurse)
    sid = await visit(staff.nurse, other)
    wrong = await respond(staff.nurse, c["id"], sid, "phq9", [0] * 9)
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "session_id"]
    missing = await respond(staff.nurse, str(uuid.uuid4()), sid, "phq9", [0] * 9)
    assert missing.status_code == 404


async def test_a_session_joins_only_its_patients_course(staff):
    c = await course(staff.nurse)
    stranger = await factories.patient(staff.nurse)
    answer = await staff.nurse.post(
        "/api/sessions",
        json={
            "patient_id": stranger["id"],
            "course_id": c["id"],
            "chair_id": await factories.chair_id(staff.nurse),
            "weight_kg": 70,
            "dose_mg_per_kg": 0.5,
        },
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "course_id"]


async def test_a_course_follows_a_known_protocol(staff):
    p = await factories.patient(staff.nurse)
    body = {
        "indication": "ptsd",
        "protocol": "lsd",
        "planned_sessions": 6,
        "started_on": "2026-11-02",
    }
    answer = await staff.nurse.post(f"/api/patients/{p['id']}/courses", json=body)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "protocol"]


async def test_roles(staff):
    p = await factories.patient(staff.nurse)
    body = {
        "indication": "ptsd",
        "protocol": "x",
        "planned_sessions": 6,
        "started_on": "2026-11-02",
    }
    assert (
        await staff.admin.post(f"/api/patients/{p['id']}/courses", json=body)
    ).status_code == 403
    c = await course(staff.nurse, patient=p)
    listed = (await staff.admin.get(f"/api/patients/{p['id']}/courses")).json()
    assert [x["id"] for x in listed] == [c["id"]]
    sid = await visit(staff.nurse, c)
    assert (await respond(staff.admin, c["id"], sid, "phq9", [0] * 9)).status_code == 403
