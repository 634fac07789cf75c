"""The reading writer: every change to readings is written in batches (group commit).

A reading costs little to judge but dearly in statements: one transaction per reading made the
write lock, the commit's fsync and a dozen round trips per reading the limit (about 40 a second
on SQLite). The writer takes every submission that arrived while it wrote the last batch
(new readings, corrections, entered-in-error marks, nurses' reviews of monitor readings) and
handles them together: `load` reads the sessions, rules, latest readings and open alerts of
the whole batch in a few queries, `plan.plan` decides each submission in memory in arrival
order, and `apply` writes the plans' rows in one flush and one commit, whose hook hands the
events to the live bus. A lone reading is a batch of one, so a quiet clinic waits for nothing;
a busy one gets larger batches, not a longer queue.

A submission is answered only after its batch commits. One that is refused (the session ended,
the clock is wrong) is answered with its error and leaves the rest of the batch alone.
"""

import asyncio
import logging
import uuid
from collections.abc import Sequence
from functools import partial

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from app.alerts.models import Alert
from app.alerts.rule_store import rules_by_patient
from app.alerts.service import ALERTS_OF_READINGS, OPEN_ALERTS_OF
from app.audit.service import chain_audit
from app.config import Settings
from app.db import Writes, utcnow
from app.errors import VigilError
from app.events import lock_journal, write_events
from app.metrics import READINGS
from app.sessions.models import InfusionSession
from app.vitals import read
from app.vitals.models import Reading, ReadingError, ReadingValidation
from app.vitals.plan import Answer, NewReading, Plan, State, Submission, plan

log = logging.getLogger(__name__)

# Enough to absorb a burst of every chair of a large clinic; a batch's queries grow with it.
MAX_BATCH = 64

# Built once: on the reading path, building a statement costs more than running it.
_SESSIONS = (
    select(InfusionSession)
    .where(InfusionSession.id.in_(bindparam("ids", expanding=True)))
    .options(joinedload(InfusionSession.patient))
)
_READINGS = select(Reading).where(Reading.id.in_(bindparam("ids", expanding=True)))
_CURRENT_OF = select(Reading).where(
    Reading.session_id.in_(bindparam("ids", expanding=True)), read.is_current()
)
# Core inserts of the plans' rows: the ORM's bulk path costs more than the statement itself, and
# these rows are written once and never changed.
_INSERT_READINGS = insert(Reading.__table__)  # type: ignore[arg-type]
_INSERT_ERRORS = insert(ReadingError.__table__)  # type: ignore[arg-type]
_INSERT_VALIDATIONS = insert(ReadingValidation.__table__)  # type: ignore[arg-type]


def load(session: Session, batch: Sequence[Submission]) -> State:
    """The state a batch is planned on, in a few queries whatever its size."""
    sessions = {
        s.id: s for s in session.scalars(_SESSIONS, {"ids": list({i.session_id for i in batch})})
    }
    corrected = {i.session_id for i in batch if not isinstance(i.change, NewReading)}
    # Ended sessions too: a late entry or a correction still publishes the session's tile.
    judged = list(sessions.values())
    named = [rid for item in batch for rid in item.names()]
    baselines = [s.baseline_reading_id for s in judged if s.baseline_reading_id]
    found = {r.id: r for r in session.scalars(_READINGS, {"ids": [*named, *baselines]})}
    stored = [rid for rid in named if rid in found]
    found_corrections = read.corrections_of(session, stored)
    replays = {rid for item in batch for rid in item.replays() if rid in found}
    replayed: dict[uuid.UUID, list[Alert]] = {}
    if replays:
        for alert in session.scalars(ALERTS_OF_READINGS, {"ids": list(replays)}):
            for rid in replays & {alert.first_reading_id, alert.last_reading_id}:
                replayed.setdefault(rid, []).append(alert)
    state = State(
        utcnow(),
        sessions,
        found,
        found_corrections.amended_by,
        found_corrections.errors,
        replayed,
        validations=found_corrections.validations,
    )
    if not judged:
        return state
    ids = [s.id for s in judged]
    state.rules = rules_by_patient(session, {s.patient_id for s in judged})
    current = read.current_many(session, ids)
    state.latest, state.last = current.latest, current.last
    charting = read.charting_many(session, state.latest)
    state.charted = charting.charted_at
    state.validations |= charting.validations
    state.opened = {i: {} for i in ids}
    for alert in session.scalars(OPEN_ALERTS_OF, {"ids": ids}):
        state.opened[alert.session_id][alert.rule] = alert
    if corrected := corrected & sessions.keys():
        state.current = {i: {} for i in corrected}
        for reading in session.scalars(_CURRENT_OF, {"ids": list(corrected)}):
            state.current[reading.session_id][reading.id] = reading
        # A correction or review may move when the session was last charted.
        state.validations |= read.validations_of_sessions(session, list(corrected))
    return state


def apply(session: Session, plans: Sequence[Plan]) -> None:
    """Write a batch's plans in the caller's transaction."""
    readings = [row for p in plans for row in p.readings]
    errors = [row for p in plans for row in p.errors]
    validations = [row for p in plans for row in p.validations]
    # Nothing reaches the database before the readings themselves: the alerts and baselines
    # that point at them must not be flushed first.
    with session.no_autoflush:
        if readings:
            session.execute(_INSERT_READINGS, readings)
        if errors:
            session.execute(_INSERT_ERRORS, errors)
        if validations:
            session.execute(_INSERT_VALIDATIONS, validations)
    session.add_all([alert for p in plans for alert in p.alerts])
    session.flush()
    if audits := [row for p in plans for row in p.audits]:
        chain_audit(session, audits)
    if events := [e for p in plans for e in p.events]:
        write_events(session, events)
    READINGS.inc(len(readings))


def write_batch(
    session: Session, batch: Sequence[Submission], settings: Settings
) -> list[Answer | VigilError]:
    """Plan and write a batch in one transaction; one answer (or refusal) per submission."""
    # First: the state is read, and `now` taken, only once no other writer can change it.
    lock_journal(session)
    state = load(session, batch)
    answers: list[Answer | VigilError] = []
    plans: list[Plan] = []
    for item in batch:
        try:
            plans.append(plan(state, item, settings))
        except VigilError as exc:
            answers.append(exc)
        else:
            answers.append(plans[-1].answer)
    apply(session, plans)
    session.commit()
    return answers


Outcome = Answer | BaseException


async def write_outcomes(
    writes: Writes, batch: Sequence[Submission], settings: Settings
) -> Sequence[Outcome]:
    """One outcome per submission: its answer, its refusal, or the error that kept the batch
    from being written."""
    try:
        return await writes(partial(write_batch, batch=batch, settings=settings))
    except Exception as exc:
        if isinstance(exc, IntegrityError) and len(batch) > 1:
            # Another process stored one of these ids first: alone, that one is a replay,
            # and the others are not held back by it.
            return [(await write_outcomes(writes, [item], settings))[0] for item in batch]
        # The database is down or refused: every request of the batch hears it (a 503).
        log.warning("reading batch of %d not written: %s", len(batch), exc)
        return [exc] * len(batch)


class ReadingWriter:
    """The writer task of one process; `submit` is what a request awaits."""

    def __init__(self, writes: Writes, settings: Settings) -> None:
        self._writes, self._settings = writes, settings
        self._queue: asyncio.Queue[tuple[Submission, asyncio.Future[Answer]]] = asyncio.Queue()

    async def submit(self, submission: Submission) -> Answer:
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((submission, answer))
        # A request that goes away (the tablet lost Wi-Fi) leaves its submission in the queue:
        # it is written all the same, and the tablet's retry gets the stored reading back.
        return await answer

    async def run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            items = [item for item, _answer in batch]
            outcomes = await write_outcomes(self._writes, items, self._settings)
            for (_item, answer), outcome in zip(batch, outcomes, strict=True):
                if answer.done():
                    continue
                if isinstance(outcome, BaseException):
                    answer.set_exception(outcome)
                else:
                    answer.set_result(outcome)
