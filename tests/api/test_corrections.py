"""Corrections go through the same reading pipeline as PUT (app/vitals/plan.py, writer.py):
validated like a new reading, batched with PUTs, and written with their alerts, events and
audit rows in one transaction. Each test runs on SQLite and PostgreSQL."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.audit.service import verify_chain
from app.auth.models import User
from app.errors import Conflict, NotFound
from app.events import Event
from app.sessions.models import InfusionSession
from app.vitals.models import Reading, ReadingError
from app.vitals.plan import Amendment, ErrorMark, NewReading, ReadingResult, Submission
from app.vitals.schemas import ReadingAmend, ReadingIn
from app.vitals.writer import write_batch
from tests.factories import ago, infusing_session, put_reading, session, vitals

pytestmark = pytest.mark.anyio


def amend_url(s: dict[str, Any], reading_id: str) -> str:
    return f"/api/sessions/{s['id']}/readings/{reading_id}/amend"


@pytest.mark.parametrize("taken_at", ["2999-01-01T00:00:00Z", "1900-01-01T00:00:00Z"])
async def test_amendment_taken_at_2999_or_1900_is_refused_like_a_put(staff, taken_at):
    """Issue 17 item 1: an amendment moved a reading to 2999 (overdue alerts stopped for good)
    or 1900 while PUT refused both."""
    s = await infusing_session(staff.nurse)
    rid = str(uuid.uuid4())
    assert (await put_reading(staff.nurse, s["id"], rid)).status_code == 201
    put = await put_reading(staff.nurse, s["id"], taken_at=taken_at)
    amend = await staff.nurse.post(
        amend_url(s, rid), json={"reason": "clock", "taken_at": taken_at}
    )
    assert put.status_code == 422 and amend.status_code == 422, amend.text
    assert amend.json()["detail"][0]["loc"] == ["body", "taken_at"]
    assert amend.json()["detail"] == put.json()["detail"]
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert detail["latest_reading"]["id"] == rid
    due = datetime.fromisoformat(detail["next_reading_due_at"])
    assert due < datetime.now(UTC) + timedelta(hours=1)


@pytest.mark.parametrize("field", ["taken_at", "heart_rate", "systolic", "diastolic", "spo2"])
async def test_amendment_removing_a_required_value_is_a_422_not_a_500(staff, field):
    s = await session(staff.nurse)
    rid = str(uuid.uuid4())
    await put_reading(staff.nurse, s["id"], rid)
    amend = await staff.nurse.post(amend_url(s, rid), json={"reason": "oops", field: None})
    assert amend.status_code == 422, amend.text
    detail = amend.json()["detail"][0]
    assert detail["loc"] == ["body", field] and "cannot be removed" in detail["msg"]
    # An optional value may be removed by a correction.
    cleared = await staff.nurse.post(
        amend_url(s, rid), json={"reason": "no RR taken", "respiratory_rate": None}
    )
    assert cleared.status_code == 201 and cleared.json()["reading"]["respiratory_rate"] is None


async def test_amendment_out_of_range_is_refused_with_the_range(staff):
    s = await session(staff.nurse)
    rid = str(uuid.uuid4())
    await put_reading(staff.nurse, s["id"], rid)
    amend = await staff.nurse.post(amend_url(s, rid), json={"reason": "typo", "spo2": 140})
    assert amend.status_code == 422
    assert "spo2" in amend.json()["detail"][0]["loc"]


async def test_an_amendment_replay_names_the_session_in_the_path(staff):
    s, other = await session(staff.nurse), await session(staff.nurse)
    rid, fix = str(uuid.uuid4()), str(uuid.uuid4())
    await put_reading(staff.nurse, s["id"], rid, systolic=150)
    body = {"reason": "typo", "systolic": 130, "id": fix}
    assert (await staff.nurse.post(amend_url(s, rid), json=body)).status_code == 201
    assert (await staff.nurse.post(amend_url(s, rid), json=body)).status_code == 200
    assert (await staff.nurse.post(amend_url(other, rid), json=body)).status_code == 404


async def test_corrections_and_puts_at_once_through_the_batch_writer(app, staff):
    """PUTs, amendments and entered-in-error marks sent together are batched together; each is
    answered as if alone, and the record, events and audit chain agree."""
    chairs = [await infusing_session(staff.nurse) for _ in range(3)]
    first = {c["id"]: str(uuid.uuid4()) for c in chairs}
    second = {c["id"]: str(uuid.uuid4()) for c in chairs}
    for c in chairs:
        await put_reading(staff.nurse, c["id"], first[c["id"]])
        # A minute ahead (a tablet clock within the skew allowed): it stays the latest.
        await put_reading(staff.nurse, c["id"], second[c["id"]], taken_at=ago(seconds=-60))
    async with app.state.database.read_session() as db:
        seq_before = await db.scalar(select(func.max(Event.seq)))
    fixes = {c["id"]: str(uuid.uuid4()) for c in chairs}
    new_ids = [str(uuid.uuid4()) for _ in range(18)]
    sends = [
        *(put_reading(staff.nurse, chairs[i % 3]["id"], rid) for i, rid in enumerate(new_ids)),
        *(
            staff.nurse.post(
                amend_url(c, second[c["id"]]),
                json={"reason": "SBP misread", "systolic": 186, "id": fixes[c["id"]]},
            )
            for c in chairs
        ),
        *(
            staff.nurse.post(
                f"/api/sessions/{c['id']}/readings/{first[c['id']]}/entered-in-error",
                json={"reason": "wrong patient's cuff"},
            )
            for c in chairs
        ),
    ]
    answers = await asyncio.gather(*sends)
    assert [a.status_code for a in answers] == [201] * 18 + [201] * 3 + [200] * 3
    for c, amended in zip(chairs, answers[18:21], strict=True):
        # The corrected reading was the latest: its correction is judged (SBP 186 is high).
        assert amended.json()["reading"]["amends"] == second[c["id"]]
        assert "sbp_high" in {a["rule"] for a in amended.json()["alerts"]}
    assert all(a.json()["status"] == "entered_in_error" for a in answers[21:])
    for c in chairs:
        readings = {
            r["id"]: r for r in (await staff.nurse.get(f"/api/sessions/{c['id']}/readings")).json()
        }
        assert readings[first[c["id"]]]["status"] == "entered_in_error"
        assert readings[second[c["id"]]]["status"] == "amended"
        assert readings[second[c["id"]]]["amended_by"] == fixes[c["id"]]
        assert len(readings) == 1 + 2 + 1 + 6  # baseline, the two, the correction, new ones
    async with app.state.database.read_session() as db:
        events = (await db.scalars(select(Event).where(Event.seq > seq_before))).all()
        chain = await verify_chain(db)
    assert chain.ok, chain.message
    kinds = [e.type for e in events]
    assert kinds.count("reading.created") == 18 and kinds.count("reading.amended") == 6
    audit = (await staff.admin.get("/api/audit", params={"action": "reading.amend"})).json()
    assert {x["target_id"] for x in audit} >= set(fixes.values())


def _item(s: InfusionSession | dict[str, Any], user: User, change: Any) -> Submission:
    sid = s["id"] if isinstance(s, dict) else s.id
    return Submission(uuid.UUID(str(sid)), change, user, "10.0.0.8")


async def test_one_batch_plans_a_reading_then_its_correction_and_a_retry(app, staff):
    """In one batch: a PUT, an amendment of it, the same amendment retried, an error mark of
    an older reading, and corrections that must be refused; each sees the ones before it."""
    s = await session(staff.nurse)
    old = str(uuid.uuid4())
    await put_reading(staff.nurse, s["id"], old, taken_at=ago(seconds=20))
    database, settings = app.state.database, app.state.settings
    async with database.session() as db:
        nurse = await db.get(User, staff.ids["nurse"])
    new, fix = uuid.uuid4(), uuid.uuid4()
    amend = Amendment(new, ReadingAmend(reason="HR typo", heart_rate=64, id=fix))
    batch = [
        _item(s, nurse, NewReading(new, ReadingIn.model_validate(vitals(heart_rate=46)))),
        _item(s, nurse, amend),
        _item(s, nurse, amend),  # retried
        _item(s, nurse, ErrorMark(uuid.UUID(old), "wrong chair")),
        _item(s, nurse, ErrorMark(uuid.UUID(old), "again")),  # already marked
        _item(s, nurse, Amendment(new, ReadingAmend(reason="again", heart_rate=60))),
        _item(s, nurse, ErrorMark(uuid.uuid4(), "no such reading")),
    ]
    async with database.session() as db:
        answers = await db.run_sync(write_batch, batch, settings)
    created, amended, retried, marked, twice, stale, missing = answers
    assert isinstance(created, ReadingResult) and created.reading.heart_rate == 46
    assert isinstance(amended, ReadingResult) and amended.created
    assert amended.reading.id == fix and amended.reading.heart_rate == 64
    assert isinstance(retried, ReadingResult) and not retried.created
    assert retried.reading == amended.reading
    assert isinstance(marked, ReadingResult) and marked.reading.status == "entered_in_error"
    assert isinstance(twice, Conflict) and isinstance(stale, Conflict)
    assert str(fix) in str(stale.detail) and isinstance(missing, NotFound)
    async with database.read_session() as db:
        stored = await db.get(InfusionSession, uuid.UUID(s["id"]))
        errors = (await db.scalars(select(ReadingError.reading_id))).all()
        correction = await db.get(Reading, fix)
        chain = await verify_chain(db)
    # The first pre-infusion reading was marked in error: the baseline is now the correction.
    assert stored is not None and stored.baseline_reading_id == fix
    assert errors == [uuid.UUID(old)] and correction is not None and correction.amends == new
    assert chain.ok
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert detail["latest_reading"]["id"] == str(fix) and detail["baseline"]["id"] == str(fix)
