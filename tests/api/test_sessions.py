import uuid

import pytest

from app.events import record_event
from app.sessions.models import Note
from app.sessions.schemas import NoteOut
from tests import factories
from tests.factories import transition

pytestmark = pytest.mark.anyio


async def test_new_session_starts_in_pre_infusion(staff):
    s = await factories.session(staff.nurse, weight_kg=80, dose_mg_per_kg=0.5)
    assert s["phase"] == "pre_infusion"
    assert s["total_dose_mg"] == 40.0
    assert s["planned_minutes"] == 40
    assert s["drug"] == "ketamine"
    assert s["checklist"] == {k: False for k in factories.CHECKLIST}
    assert s["baseline"] is None
    assert s["phase_history"][0]["to_phase"] == "pre_infusion"
    listed = (await staff.physician.get("/api/sessions", params={"active": True})).json()
    assert [x["id"] for x in listed] == [s["id"]]


async def test_session_validation(staff):
    p = await factories.patient(staff.nurse)
    bad = await staff.nurse.post(
        "/api/sessions",
        json={
            "patient_id": p["id"],
            "chair_id": await factories.chair_id(staff.nurse),
            "weight_kg": 5,
            "dose_mg_per_kg": 0.5,
        },
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "weight_kg"
    unknown = await staff.nurse.post(
        "/api/sessions",
        json={
            "patient_id": str(uuid.uuid4()),
            "chair_id": await factories.chair_id(staff.nurse),
            "weight_kg": 70,
            "dose_mg_per_kg": 0.5,
        },
    )
    assert unknown.status_code == 422
    assert "patient" in unknown.json()["detail"][0]["msg"]


async def test_one_active_session_per_patient(staff):
    s = await factories.session(staff.nurse)
    again = await staff.nurse.post(
        "/api/sessions",
        json={
            "patient_id": s["patient"]["id"],
            "chair_id": await factories.chair_id(staff.nurse),
            "weight_kg": 70,
            "dose_mg_per_kg": 0.5,
        },
    )
    assert again.status_code == 409


async def test_infusion_needs_checklist_screening_and_baseline(staff):
    s = await factories.session(staff.nurse)
    answer = await transition(staff.nurse, s["id"], "infusion")
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    assert "consent signed" in detail and "no baseline reading" in detail
    assert "no screening form has been recorded" in detail
    await factories.prepare(staff.nurse, s["id"])
    detail = (await transition(staff.nurse, s["id"], "infusion")).json()["detail"]
    assert "no baseline reading" in detail and "screening" not in detail
    await factories.put_reading(staff.nurse, s["id"])
    started = await transition(staff.nurse, s["id"], "infusion")
    assert started.status_code == 200
    assert started.json()["phase"] == "infusion"
    assert started.json()["infusion_started_at"] is not None


async def test_baseline_bp_gate_needs_physician_override_with_reason(staff):
    s = await factories.ready_session(staff.nurse, systolic=152, diastolic=88)
    blocked = await transition(staff.nurse, s["id"], "infusion")
    assert blocked.status_code == 409
    assert "152/88" in blocked.json()["detail"]
    nurse_override = await transition(staff.nurse, s["id"], "infusion", override=True, reason="ok")
    assert nurse_override.status_code == 403
    no_reason = await transition(staff.physician, s["id"], "infusion", override=True)
    assert no_reason.status_code == 422
    ok = await transition(
        staff.physician, s["id"], "infusion", override=True, reason="White-coat; repeat 138/86"
    )
    assert ok.status_code == 200
    last = ok.json()["phase_history"][-1]
    assert last["override"] is True and last["reason"] == "White-coat; repeat 138/86"


async def test_pause_resume_recovery_and_phase_graph(staff):
    s = await factories.infusing_session(staff.nurse)
    sid = s["id"]
    assert (await transition(staff.nurse, sid, "discharged")).status_code == 409
    assert (await transition(staff.nurse, sid, "paused", reason="nausea")).json()[
        "phase"
    ] == "paused"
    assert (await transition(staff.nurse, sid, "infusion")).json()["phase"] == "infusion"
    rec = (await transition(staff.nurse, sid, "recovery")).json()
    assert rec["phase"] == "recovery" and rec["infusion_ended_at"] is not None
    assert (await transition(staff.nurse, sid, "infusion")).status_code == 409
    assert [p["to_phase"] for p in rec["phase_history"]] == [
        "pre_infusion",
        "infusion",
        "paused",
        "infusion",
        "recovery",
    ]


ALDRETE_OK = {
    "activity": 2,
    "respiration": 2,
    "circulation": 2,
    "consciousness": 2,
    "oxygen_saturation": 1,
}


async def test_discharge_requires_criteria(staff):
    s = await factories.infusing_session(staff.nurse)
    sid = s["id"]
    await transition(staff.nurse, sid, "recovery")
    await factories.put_reading(staff.nurse, sid)
    early = await transition(staff.nurse, sid, "discharged", aldrete=ALDRETE_OK)
    assert early.status_code == 409
    assert "in recovery" in early.json()["detail"]
    detail = (await staff.nurse.get(f"/api/sessions/{sid}")).json()
    unmet = {c["name"] for c in detail["discharge"]["criteria"] if not c["met"]}
    assert "recovery_time" in unmet and detail["discharge"]["met"] is False
    # A physician may discharge early with a reason; a nurse may not.
    assert (
        await transition(
            staff.nurse, sid, "discharged", aldrete=ALDRETE_OK, override=True, reason="x"
        )
    ).status_code == 403
    done = await transition(
        staff.physician,
        sid,
        "discharged",
        aldrete=ALDRETE_OK,
        override=True,
        reason="Protocol variance approved",
    )
    assert done.status_code == 200 and done.json()["phase"] == "discharged"
    # A reading now is a late entry, which needs its reason (tests/api/test_late_entries.py).
    late = await factories.put_reading(staff.nurse, sid)
    assert late.status_code == 422 and late.json()["detail"][0]["loc"] == ["body", "late_reason"]
    assert (await transition(staff.physician, sid, "aborted", reason="x")).status_code == 409


async def test_abort_needs_reason(staff):
    s = await factories.session(staff.nurse)
    assert (await transition(staff.nurse, s["id"], "aborted")).status_code == 422
    ok = await transition(staff.nurse, s["id"], "aborted", reason="Patient declined")
    assert ok.json()["phase"] == "aborted"
    listed = (await staff.nurse.get("/api/sessions", params={"active": True})).json()
    assert s["id"] not in [x["id"] for x in listed]


async def test_notes_and_timeline(staff):
    s = await factories.infusing_session(staff.nurse)
    note = await staff.nurse.post(
        f"/api/sessions/{s['id']}/notes", json={"kind": "note", "text": "Patient asked for music"}
    )
    assert note.status_code == 201
    bad = await staff.nurse.post(
        f"/api/sessions/{s['id']}/notes", json={"kind": "gossip", "text": "x"}
    )
    assert bad.status_code == 422
    timeline = (await staff.physician.get(f"/api/sessions/{s['id']}/timeline")).json()
    types = [e["type"] for e in timeline]
    assert types[0] == "session.created"
    assert types.count("reading.created") == 1
    assert "session.phase_changed" in types and types[-1] == "session.note_added"
    seqs = [e["seq"] for e in timeline]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


async def test_checklist_and_unknown_session(staff):
    s = await factories.session(staff.nurse)
    answer = await staff.nurse.patch(
        f"/api/sessions/{s['id']}/checklist", json={"consent_signed": True}
    )
    assert answer.json()["checklist"]["consent_signed"] is True
    assert answer.json()["checklist"]["identity_checked"] is False
    assert (await staff.nurse.get(f"/api/sessions/{uuid.uuid4()}")).status_code == 404
    bad = await staff.nurse.patch(f"/api/sessions/{s['id']}/checklist", json={"consent": True})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("kind", "where"),
    [("side_effect", "severity"), ("medication", "PRN medicine"), ("dose_change", "pump event")],
)
async def test_retired_note_kinds_say_where_to_record_instead(staff, kind, where):
    s = await factories.infusing_session(staff.nurse)
    refused = await staff.nurse.post(
        f"/api/sessions/{s['id']}/notes", json={"kind": kind, "text": "Nausea"}
    )
    assert refused.status_code == 422
    assert where in refused.text and "session record" in refused.text


async def test_a_note_of_a_retired_kind_written_before_stays_in_the_record(app, staff):
    """Free-text side effects recorded before the structured record are history: they stay in
    the timeline and the exports as they were written."""
    s = await factories.infusing_session(staff.nurse)
    sid = uuid.UUID(s["id"])
    async with app.state.database.session() as db:
        old = Note(
            session_id=sid, kind="side_effect", text="Nausea (old free text)", by=staff.ids["nurse"]
        )
        db.add(old)
        await db.flush()
        out = NoteOut.model_validate(old).model_dump(mode="json")
        await record_event(db, type="session.note_added", session_id=sid, data={"note": out})
        await db.commit()
    timeline = (await staff.physician.get(f"/api/sessions/{sid}/timeline")).json()
    assert timeline[-1]["data"]["note"]["kind"] == "side_effect"
    events = (await staff.physician.get(f"/api/exports/sessions/{sid}.events.csv")).text
    assert "Nausea (old free text)" in events
