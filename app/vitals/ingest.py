"""New readings are written in batches: one writer task per process (group commit).

A reading costs little to judge but dearly in statements: one transaction per reading made the
write lock, the commit's fsync and a dozen round trips per reading the limit (about 40 a second
on SQLite). The writer takes every reading that arrived while it wrote the last batch and writes
them together: the sessions, rules, latest readings and open alerts of the whole batch are read
in a few queries, each reading is judged in memory in arrival order, and the rows of all of them
go out in one flush and one commit. A lone reading is a batch of one, so a quiet clinic waits
for nothing; a busy one gets larger batches, not a longer queue.

A reading is answered only after its batch commits. A submission that is refused (the session
ended, the clock is wrong) is answered with its error and leaves the rest of the batch alone.
"""

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app.alerts.models import Alert
from app.alerts.rule_store import rules_by_patient
from app.alerts.rules import Rule
from app.alerts.service import alert_event, fold_reading
from app.audit.models import AuditEvent
from app.audit.service import append_audit, audit_entry
from app.auth.models import User
from app.config import Settings
from app.context import client_addr_var
from app.db import Database, Writes, utcnow
from app.errors import Conflict, NotFound, VigilError
from app.events import Event, record_events, take_journal_lock
from app.metrics import READINGS
from app.sessions.models import InfusionSession
from app.sessions.phases import ACTIVE
from app.sessions.views import OPEN_ALERTS_OF, session_tile
from app.vitals import read
from app.vitals.codes import implausible
from app.vitals.models import Reading
from app.vitals.schemas import ReadingIn
from app.vitals.service import (
    SAME_ID,
    ReadingResult,
    body_hash,
    check_taken_at,
    new_answer,
    replay,
)

log = logging.getLogger(__name__)

# Enough to absorb a burst of every chair of a large clinic; a batch's queries grow with it.
MAX_BATCH = 64


@dataclass
class Submission:
    session_id: uuid.UUID
    reading_id: uuid.UUID
    data: ReadingIn
    by: User
    client_addr: str | None
    answer: asyncio.Future[ReadingResult] = field(repr=False)


@dataclass
class BatchState:
    """What a batch reads up front and then keeps current in memory, reading by reading."""

    sessions: dict[uuid.UUID, InfusionSession]
    stored: dict[uuid.UUID, Reading]
    rules: dict[uuid.UUID, tuple[Rule, ...]]
    latest: dict[uuid.UUID, Reading]
    baselines: dict[uuid.UUID, Reading]
    opened: dict[uuid.UUID, dict[str, Alert]]
    # Readings of this batch by id: their submission's session and body hash, and the answer.
    written: dict[uuid.UUID, tuple[uuid.UUID, str, ReadingResult]] = field(default_factory=dict)
    rows: list[dict[str, object]] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    audits: list[AuditEvent] = field(default_factory=list)


# Built once: on the reading path, building a statement costs more than running it.
_SESSIONS = (
    select(InfusionSession)
    .where(InfusionSession.id.in_(bindparam("ids", expanding=True)))
    .options(joinedload(InfusionSession.patient))
)
_READINGS = select(Reading).where(Reading.id.in_(bindparam("ids", expanding=True)))


async def load_state(db: AsyncSession, batch: Sequence[Submission]) -> BatchState:
    sessions = {
        s.id: s for s in await db.scalars(_SESSIONS, {"ids": list({i.session_id for i in batch})})
    }
    live = [s for s in sessions.values() if s.phase in ACTIVE]
    submitted = [i.reading_id for i in batch]
    baseline_ids = [s.baseline_reading_id for s in live if s.baseline_reading_id]
    # One query for the readings the batch may replay and the baselines it is judged against.
    found = {r.id: r for r in await db.scalars(_READINGS, {"ids": [*submitted, *baseline_ids]})}
    stored = {i: found[i] for i in submitted if i in found}
    baselines = {i: found[i] for i in baseline_ids if i in found}
    state = BatchState(sessions, stored, {}, {}, baselines, {s.id: {} for s in live})
    if not live:
        return state
    ids = [s.id for s in live]
    state.rules = await rules_by_patient(db, {s.patient_id for s in live})
    state.latest = await read.latest_current_many(db, ids)
    for alert in await db.scalars(OPEN_ALERTS_OF, {"ids": ids}):
        state.opened[alert.session_id][alert.rule] = alert
    return state


async def judge(
    db: AsyncSession, state: BatchState, item: Submission, settings: Settings
) -> ReadingResult:
    """One submission against the batch's state: the reading and everything it changes are
    added to the state's rows, or an error is raised and nothing is."""
    digest = body_hash(item.data)
    if (earlier := state.written.get(item.reading_id)) is not None:
        # A tablet retrying in parallel with itself: the same reading twice in one batch.
        session_id, earlier_digest, result = earlier
        if session_id != item.session_id or earlier_digest != digest:
            raise Conflict(SAME_ID)
        return replace(result, created=False)
    s = state.sessions.get(item.session_id)
    if s is None:
        raise NotFound("No infusion session with that id.")
    if (existing := state.stored.get(item.reading_id)) is not None:
        return await replay(db, s, existing, digest)
    if s.phase not in ACTIVE:
        raise Conflict(f"The session is {s.phase}; no more readings can be added.")
    check_taken_at(item.data, s)
    now = utcnow()
    row: dict[str, object] = {
        "id": item.reading_id,
        "session_id": s.id,
        "body_hash": digest,
        "recorded_at": now,
        "recorded_by": item.by.id,
        "phase": s.phase,
        "amends": None,
        "amend_reason": None,
        **item.data.model_dump(),
    }
    reading = Reading(**row)
    if s.phase == "pre_infusion" and s.baseline_reading_id is None and not implausible(row):
        s.baseline_reading_id = reading.id
        state.baselines[reading.id] = reading
    if read.is_later(reading, state.latest.get(s.id)):
        state.latest[s.id] = reading
    opened = state.opened[s.id]
    raised, changes = fold_reading(
        session=s,
        reading=reading,
        baseline=state.baselines.get(s.baseline_reading_id) if s.baseline_reading_id else None,
        latest=state.latest.get(s.id),
        rules=state.rules[s.patient_id],
        opened=opened,
        settings=settings,
        now=now,
    )
    out = read.to_out(reading, baseline_id=s.baseline_reading_id)
    tile = session_tile(s, latest=state.latest.get(s.id), alerts=opened.values(), settings=settings)
    state.rows.append(row)
    state.alerts.extend(alert for alert, _type in changes)
    state.events.extend(alert_event(alert, type, s) for alert, type in changes)
    state.events.append(
        Event(
            type="reading.created",
            session_id=s.id,
            data={"reading": out.model_dump(mode="json"), "session": tile.model_dump(mode="json")},
        )
    )
    state.audits.append(
        audit_entry(
            action="reading.create",
            user=item.by,
            target_type="reading",
            target_id=reading.id,
            details={"session_id": str(s.id)},
            client_addr=item.client_addr,
        )
    )
    result = new_answer(out, raised, s)
    state.written[item.reading_id] = (s.id, digest, result)
    return result


async def write_batch(
    db: AsyncSession, batch: Sequence[Submission], settings: Settings
) -> list[ReadingResult | VigilError]:
    """Judge and write a batch in one transaction; one answer (or refusal) per submission."""
    await take_journal_lock(db)
    state = await load_state(db, batch)
    answers: list[ReadingResult | VigilError] = []
    # Nothing reaches the database before the readings themselves: the alerts and the baseline
    # that point at them must not be flushed first by a replay's query.
    with db.no_autoflush:
        for item in batch:
            try:
                answers.append(await judge(db, state, item, settings))
            except VigilError as exc:
                answers.append(exc)
        if state.rows:
            await db.execute(insert(Reading), state.rows)
    if state.rows:
        db.add_all(state.alerts)
        await append_audit(db, state.audits)
        await record_events(db, state.events)
    await db.commit()
    READINGS.inc(len(state.rows))
    return answers


Outcome = ReadingResult | BaseException


async def write_outcomes(
    database: Database, batch: Sequence[Submission], settings: Settings
) -> Sequence[Outcome]:
    """One outcome per submission: its answer, its refusal, or the error that kept the batch
    from being written."""
    try:
        async with database.session() as db:
            return await write_batch(db, batch, settings)
    except Exception as exc:
        if isinstance(exc, IntegrityError) and len(batch) > 1:
            # Another process stored one of these ids first: alone, that one is a replay,
            # and the others are not held back by it.
            return [(await write_outcomes(database, [item], settings))[0] for item in batch]
        # The database is down or refused: every request of the batch hears it (a 503).
        log.warning("reading batch of %d not written: %s", len(batch), exc)
        return [exc] * len(batch)


class ReadingWriter:
    """The writer task of one process; `record` is what a request awaits."""

    def __init__(self, writes: Writes, settings: Settings) -> None:
        self._writes, self._settings = writes, settings
        self._queue: asyncio.Queue[Submission] = asyncio.Queue()

    async def record(
        self, *, session_id: uuid.UUID, reading_id: uuid.UUID, data: ReadingIn, by: User
    ) -> ReadingResult:
        answer: asyncio.Future[ReadingResult] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(
            Submission(session_id, reading_id, data, by, client_addr_var.get(), answer)
        )
        # A request that goes away (the tablet lost Wi-Fi) leaves its reading in the queue: it
        # is written all the same, and the tablet's retry gets the stored reading back.
        return await answer

    async def run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            work = partial(write_outcomes, batch=batch, settings=self._settings)
            for item, outcome in zip(batch, await self._writes(work), strict=True):
                if item.answer.done():
                    continue
                if isinstance(outcome, BaseException):
                    item.answer.set_exception(outcome)
                else:
                    item.answer.set_result(outcome)
