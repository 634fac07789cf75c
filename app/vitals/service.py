"""Readings: idempotent entry by client UUID, amendments and entered-in-error (DESIGN §2)."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import service as alerts
from app.alerts.models import Alert
from app.alerts.schemas import AlertOut
from app.audit.service import record_audit
from app.auth.models import User
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.events import record_event
from app.sessions.models import InfusionSession
from app.sessions.phases import ACTIVE
from app.sessions.views import session_read
from app.vitals import read
from app.vitals.codes import implausible
from app.vitals.models import Reading, ReadingError
from app.vitals.schemas import EnteredInError, ReadingAmend, ReadingIn, ReadingOut, _check_bp

SAME_ID = (
    "A different reading was already saved with this id. Nothing was changed; "
    "enter the reading again to save it as a new one."
)
# Tablet clocks drift; a reading a little "in the future" is a clock, not a fabrication.
CLOCK_SKEW = timedelta(minutes=2)


@dataclass
class ReadingResult:
    reading: ReadingOut
    alerts: list[AlertOut]
    recheck: bool
    created: bool


def body_hash(data: ReadingIn) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_taken_at(data: ReadingIn, s: InfusionSession) -> None:
    now = utcnow()
    if data.taken_at > now + CLOCK_SKEW:
        raise Invalid("taken_at", "The reading time is in the future; check the tablet's clock.")
    if data.taken_at < s.created_at - CLOCK_SKEW:
        raise Invalid("taken_at", "The reading time is before this session was started.")


async def _result(
    db: AsyncSession, s: InfusionSession, reading: Reading, alerts_: list[Alert], created: bool
) -> ReadingResult:
    out = (await read.describe(db, [reading], baseline_id=s.baseline_reading_id))[0]
    return ReadingResult(
        reading=out,
        alerts=[AlertOut.of(a, s) for a in alerts_],
        recheck=any(a.priority == "high" and a.state == "active" for a in alerts_),
        created=created,
    )


async def replay(
    db: AsyncSession, s: InfusionSession, existing: Reading, digest: str
) -> ReadingResult:
    if existing.session_id != s.id or existing.body_hash != digest:
        raise Conflict(SAME_ID)
    return await _result(db, s, existing, await alerts.alerts_for_reading(db, existing.id), False)


async def _publish(
    db: AsyncSession,
    *,
    s: InfusionSession,
    reading: Reading,
    event: str,
    settings: Settings,
    out: ReadingOut | None = None,
) -> ReadingOut:
    """The event carries the reading and the refreshed tile, so a dashboard needs nothing else.

    `out`: the reading's outward shape when the caller knows it (a reading written in this
    transaction has no amendment or error yet), which saves describing it again.
    """
    if out is None:
        out = (await read.describe(db, [reading], baseline_id=s.baseline_reading_id))[0]
    view = await session_read(db, s, settings)
    await record_event(
        db,
        type=event,
        session_id=s.id,
        data={"reading": out.model_dump(mode="json"), "session": view.model_dump(mode="json")},
    )
    return out


def _fresh(s: InfusionSession, reading: Reading) -> ReadingOut:
    """A reading added in the current transaction: nothing can amend or mark it yet."""
    return read.to_out(reading, baseline_id=s.baseline_reading_id)


async def _evaluate_and_publish(
    db: AsyncSession, *, s: InfusionSession, reading: Reading, event: str, settings: Settings
) -> tuple[list[Alert], ReadingOut]:
    """Alerts for a reading written in this transaction, then its event."""
    baseline = await db.get(Reading, s.baseline_reading_id) if s.baseline_reading_id else None
    raised = await alerts.apply_reading(
        db, session=s, reading=reading, baseline=baseline, settings=settings
    )
    out = await _publish(
        db, s=s, reading=reading, event=event, settings=settings, out=_fresh(s, reading)
    )
    return raised, out


def new_answer(out: ReadingOut, alerts_: list[Alert], s: InfusionSession) -> ReadingResult:
    """The answer for a reading just committed, without reading it back."""
    return ReadingResult(
        reading=out,
        alerts=[AlertOut.of(a, s) for a in alerts_],
        recheck=any(a.priority == "high" and a.state == "active" for a in alerts_),
        created=True,
    )


async def _correctable(db: AsyncSession, s: InfusionSession, reading_id: uuid.UUID) -> Reading:
    reading = await db.get(Reading, reading_id)
    if reading is None or reading.session_id != s.id:
        raise NotFound("No reading with that id in this session.")
    if s.phase not in ACTIVE and s.ended_at and utcnow() - s.ended_at > timedelta(hours=24):
        raise Conflict("This session ended more than 24 hours ago; its record is closed.")
    status = (await read.describe(db, [reading], baseline_id=None))[0]
    if status.status == "amended":
        raise Conflict(
            f"This reading was already corrected by reading {status.amended_by}; amend that one."
        )
    if status.status == "entered_in_error":
        raise Conflict("This reading is already marked as entered in error.")
    return reading


async def _next_baseline(db: AsyncSession, s: InfusionSession) -> uuid.UUID | None:
    candidates = await db.scalars(
        select(Reading)
        .where(Reading.session_id == s.id, Reading.phase == "pre_infusion", read.is_current())
        .order_by(Reading.taken_at)
    )
    return next((r.id for r in candidates if not implausible(vars(r))), None)


async def amend_reading(
    db: AsyncSession,
    *,
    session: InfusionSession,
    reading_id: uuid.UUID,
    data: ReadingAmend,
    by: User,
    settings: Settings,
) -> ReadingResult:
    if data.id is not None and (existing := await db.get(Reading, data.id)) is not None:
        if existing.amends != reading_id:
            raise Conflict("That correction id is already used by another reading.")
        return await _result(
            db, session, existing, await alerts.alerts_for_reading(db, existing.id), False
        )
    old = await _correctable(db, session, reading_id)
    fields = ReadingIn.model_fields.keys()
    merged = {f: getattr(old, f) for f in fields} | data.model_dump(
        exclude_unset=True, include=set(fields)
    )
    try:
        _check_bp(merged["systolic"], merged["diastolic"])
    except ValueError as exc:
        raise Invalid("diastolic", str(exc)) from None
    corrected = ReadingIn.model_validate(merged)
    latest = await read.latest_current(db, session_id=session.id)
    new = Reading(
        id=data.id or uuid.uuid4(),
        session_id=session.id,
        body_hash=body_hash(corrected),
        recorded_at=utcnow(),
        recorded_by=by.id,
        phase=old.phase,
        amends=old.id,
        amend_reason=data.reason,
        **corrected.model_dump(),
    )
    db.add(new)
    await db.flush()
    if session.baseline_reading_id == old.id and not implausible(vars(new)):
        session.baseline_reading_id = new.id
    elif session.baseline_reading_id in (old.id, None) and session.phase == "pre_infusion":
        session.baseline_reading_id = await _next_baseline(db, session)
    await alerts.retract_reading(db, reading=old, reason=f"corrected ({data.reason})")
    raised: list[Alert] = []
    if latest is not None and latest.id == old.id:
        # Only a correction of the latest reading says anything about the patient now.
        raised, out = await _evaluate_and_publish(
            db, s=session, reading=new, event="reading.amended", settings=settings
        )
    else:
        out = await _publish(
            db,
            s=session,
            reading=new,
            event="reading.amended",
            settings=settings,
            out=_fresh(session, new),
        )
    await record_audit(
        db,
        action="reading.amend",
        user=by,
        target_type="reading",
        target_id=new.id,
        details={"amends": str(old.id), "reason": data.reason},
    )
    await db.commit()
    return new_answer(out, raised, session)


async def mark_entered_in_error(
    db: AsyncSession,
    *,
    session: InfusionSession,
    reading_id: uuid.UUID,
    data: EnteredInError,
    by: User,
    settings: Settings,
) -> ReadingOut:
    reading = await _correctable(db, session, reading_id)
    db.add(ReadingError(reading_id=reading.id, reason=data.reason, by=by.id))
    await db.flush()
    if session.baseline_reading_id == reading.id:
        session.baseline_reading_id = await _next_baseline(db, session)
    await alerts.retract_reading(db, reading=reading, reason=data.reason)
    out = await _publish(db, s=session, reading=reading, event="reading.amended", settings=settings)
    await record_audit(
        db,
        action="reading.entered_in_error",
        user=by,
        target_type="reading",
        target_id=reading.id,
        details={"reason": data.reason},
    )
    await db.commit()
    return out
