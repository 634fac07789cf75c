"""The reading writer's batches: several readings judged and written in one transaction.

Most API tests send one reading at a time, which makes batches of one; these build batches on
purpose, directly through `write_batch` and through concurrent PUTs.
"""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.audit.service import verify_chain
from app.auth.models import User
from app.errors import Conflict, Invalid, NotFound
from app.events import Event
from app.sessions.models import InfusionSession
from app.vitals.models import Reading
from app.vitals.plan import NewReading, ReadingResult, Submission
from app.vitals.schemas import ReadingIn
from app.vitals.writer import write_batch
from tests.factories import ago, infusing_session, put_reading, session, vitals

pytestmark = pytest.mark.anyio


def submission(session_id: str, user: User, reading_id: uuid.UUID, **values: Any) -> Submission:
    return Submission(
        session_id=uuid.UUID(session_id),
        change=NewReading(reading_id, ReadingIn.model_validate(vitals(**values))),
        by=user,
        client_addr="10.0.0.7",
    )


async def test_one_batch_judges_each_reading_in_order_and_answers_each(app, staff):
    a = await infusing_session(staff.nurse)
    b = await infusing_session(staff.nurse)
    fresh = await session(staff.nurse)
    database, settings = app.state.database, app.state.settings
    async with database.session() as db:
        nurse = await db.get(User, staff.ids["nurse"])
        seq_before = await db.scalar(select(func.max(Event.seq)))
    # One moment for both sends of the retried reading, so their bodies are the same.
    at = ago(seconds=0)
    fast, calm, first = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    batch = [
        submission(a["id"], nurse, fast, heart_rate=118, taken_at=at),
        submission(a["id"], nurse, calm, heart_rate=80),
        submission(a["id"], nurse, fast, heart_rate=118, taken_at=at),  # a retry
        submission(a["id"], nurse, fast, heart_rate=90),  # same id, other body
        submission(fresh["id"], nurse, first),
        submission(str(uuid.uuid4()), nurse, uuid.uuid4()),  # no such session
        submission(
            b["id"],
            nurse,
            uuid.uuid4(),
            taken_at=(datetime.now(UTC) + timedelta(minutes=10)).isoformat(),
        ),
    ]
    async with database.session() as db:
        answers = await db.run_sync(write_batch, batch, settings)

    raised, resolved, replay, clash, baseline, unknown, future = answers
    assert isinstance(raised, ReadingResult) and raised.created
    assert [(x.rule, x.priority) for x in raised.alerts] == [("hr_high", "medium")]
    assert isinstance(resolved, ReadingResult) and resolved.created and resolved.alerts == []
    assert isinstance(replay, ReadingResult) and not replay.created
    assert replay.reading == raised.reading
    assert isinstance(clash, Conflict) and isinstance(unknown, NotFound)
    assert isinstance(future, Invalid)
    assert isinstance(baseline, ReadingResult) and baseline.reading.is_baseline

    async with database.read_session() as db:
        stored = set(await db.scalars(select(Reading.id).where(Reading.id.in_([fast, calm]))))
        assert stored == {fast, calm}
        s = await db.get(InfusionSession, uuid.UUID(fresh["id"]))
        assert s is not None and s.baseline_reading_id == first
        events = (await db.scalars(select(Event).where(Event.seq > seq_before))).all()
        chain = await verify_chain(db)
    assert chain.ok
    # In arrival order, each reading's alert changes before the reading itself.
    assert [(e.type, e.session_id) for e in events] == [
        ("alert.raised", uuid.UUID(a["id"])),
        ("reading.created", uuid.UUID(a["id"])),
        ("alert.resolved", uuid.UUID(a["id"])),
        ("reading.created", uuid.UUID(a["id"])),
        ("reading.created", uuid.UUID(fresh["id"])),
    ]
    # Each reading's tile is the session as it stood after that reading.
    tiles = [e.data["session"] for e in events if e.type == "reading.created"]
    assert [x["rule"] for x in tiles[0]["open_alerts"]] == ["hr_high"]
    assert tiles[0]["latest_reading"]["id"] == str(fast)
    assert tiles[1]["open_alerts"] == [] and tiles[1]["latest_reading"]["id"] == str(calm)
    audit = await staff.admin.get("/api/audit", params={"action": "reading.create"})
    created = [x for x in audit.json() if x["target_id"] in {str(fast), str(calm), str(first)}]
    assert len(created) == 3 and {x["client_addr"] for x in created} == {"10.0.0.7"}


async def test_a_late_reading_in_a_batch_raises_but_does_not_become_the_latest(app, staff):
    a = await infusing_session(staff.nurse)
    database, settings = app.state.database, app.state.settings
    async with database.session() as db:
        nurse = await db.get(User, staff.ids["nurse"])
    now, late = uuid.uuid4(), uuid.uuid4()
    long_ago = ago(minutes=1)
    async with database.session() as db:
        on_time, entered_late = await db.run_sync(
            write_batch,
            [
                submission(a["id"], nurse, now),
                submission(a["id"], nurse, late, heart_rate=118, taken_at=long_ago),
            ],
            settings,
        )
    assert isinstance(on_time, ReadingResult) and isinstance(entered_late, ReadingResult)
    assert [x.rule for x in entered_late.alerts] == ["hr_high"]
    detail = (await staff.physician.get(f"/api/sessions/{a['id']}")).json()
    assert detail["latest_reading"]["id"] == str(now)
    assert [x["rule"] for x in detail["open_alerts"]] == ["hr_high"]


async def test_concurrent_puts_are_each_stored_once(app, staff):
    chairs = [await infusing_session(staff.nurse) for _ in range(3)]
    twice, at = str(uuid.uuid4()), ago(seconds=1)
    ids = [str(uuid.uuid4()) for _ in range(30)]
    answers = await asyncio.gather(
        *(put_reading(staff.nurse, chairs[i % 3]["id"], rid) for i, rid in enumerate(ids)),
        put_reading(staff.nurse, chairs[0]["id"], twice, heart_rate=77, taken_at=at),
        put_reading(staff.nurse, chairs[0]["id"], twice, heart_rate=77, taken_at=at),
    )
    assert sorted(a.status_code for a in answers) == [200] + [201] * 31
    async with app.state.database.read_session() as db:
        stored = await db.scalar(
            select(func.count())
            .select_from(Reading)
            .where(Reading.id.in_([uuid.UUID(x) for x in [*ids, twice]]))
        )
    assert stored == 31
