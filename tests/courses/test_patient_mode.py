"""Patient mode's capability: the questionnaires of one visit, once, and nothing else."""

import pytest

from app.courses import patient_mode
from tests.courses.support import course, phq9, visit

pytestmark = pytest.mark.anyio


async def open_link(staff, scales=("phq9", "gad7")):  # type: ignore[no-untyped-def]
    c = await course(staff.nurse)
    sid = await visit(staff.nurse, c)
    answer = await staff.nurse.post(
        f"/api/courses/{c['id']}/questionnaire-links",
        json={"session_id": sid, "scales": list(scales)},
    )
    assert answer.status_code == 201, answer.text
    return c, sid, answer.json()["token"]


async def test_the_tablet_gets_the_questionnaires_and_no_phi(staff, anon):
    c, _sid, token = await open_link(staff)
    view = await anon.get("/api/patient-mode", headers={"X-Questionnaire-Token": token})
    assert view.status_code == 200
    body = view.json()
    assert [s["code"] for s in body["scales"]] == ["phq9", "gad7"]
    assert body["scales"][0]["items"][8]["text"].startswith("Thoughts that you would be better")
    patient = (await staff.nurse.get(f"/api/patients/{c['patient_id']}")).json()
    for secret in (patient["full_name"], patient["mrn"], c["id"], c["patient_id"]):
        assert secret not in view.text


async def test_the_token_opens_no_other_route(staff, anon):
    _c, sid, token = await open_link(staff)
    bearer = {"Authorization": f"Bearer {token}"}
    for path in ("/api/sessions", f"/api/sessions/{sid}", "/api/patients", "/api/alerts"):
        assert (await anon.get(path, headers=bearer)).status_code == 401, path
        assert (await anon.get(path, headers={"X-Questionnaire-Token": token})).status_code == 401
    anon.cookies.set("vigil_session", token)
    assert (await anon.get("/api/sessions")).status_code == 401
    anon.cookies.clear()
    assert (await anon.get("/api/patient-mode")).status_code == 401  # no token at all
    bad = await anon.get("/api/patient-mode", headers={"X-Questionnaire-Token": "guess"})
    assert bad.status_code == 401


async def test_one_submission_scored_as_the_patients_and_item9_alerts(staff, anon):
    c, sid, token = await open_link(staff)
    headers = {"X-Questionnaire-Token": token}
    wrong = await anon.post(
        "/api/patient-mode/responses",
        headers=headers,
        json={"responses": [{"scale": "phq9", "answers": phq9(12)}]},
    )
    assert wrong.status_code == 422
    assert "phq9, gad7" in wrong.json()["detail"][0]["msg"]
    body = {
        "responses": [
            {"scale": "phq9", "answers": phq9(14, item9=2)},
            {"scale": "gad7", "answers": [1] * 7},
        ]
    }
    ok = await anon.post("/api/patient-mode/responses", headers=headers, json=body)
    assert ok.status_code == 201, ok.text
    assert ok.json() == {"received": 2}
    again = await anon.post("/api/patient-mode/responses", headers=headers, json=body)
    assert again.status_code == 401
    assert (await anon.get("/api/patient-mode", headers=headers)).status_code == 401

    detail = (await staff.physician.get(f"/api/courses/{c['id']}")).json()
    assert [(r["scale"], r["total"], r["source"]) for r in detail["responses"]] == [
        ("phq9", 14, "patient"),
        ("gad7", 7, "patient"),
    ]
    alert = detail["responses"][0]["alert"]
    assert (alert["session_id"], alert["priority"], alert["state"]) == (sid, "high", "active")
    assert "'More than half the days' (2)" in alert["message"]


async def test_an_expired_link_is_refused(staff, anon, monkeypatch):
    monkeypatch.setattr(patient_mode, "LINK_MINUTES", -1)
    _c, _sid, token = await open_link(staff, scales=("pcl5",))
    answer = await anon.get("/api/patient-mode", headers={"X-Questionnaire-Token": token})
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]


async def test_only_clinicians_open_links(staff):
    c = await course(staff.nurse)
    sid = await visit(staff.nurse, c)
    answer = await staff.admin.post(
        f"/api/courses/{c['id']}/questionnaire-links",
        json={"session_id": sid, "scales": ["phq9"]},
    )
    assert answer.status_code == 403
