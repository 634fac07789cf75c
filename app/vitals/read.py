"""Reading queries and their outward shape, shared by sessions, alerts, live and exports."""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Select, bindparam, case, exists, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.orm.util import AliasedClass

from app.alerts.news2 import News2Input
from app.auth.models import User
from app.sessions.models import InfusionSession
from app.vitals.codes import MEASURED, Source, missing_vitals
from app.vitals.models import Reading, ReadingError, ReadingValidation
from app.vitals.schemas import ReadingOut, ReadingStatus

# Aliases, so that a query that also joins these tables (the CSV export) does not correlate
# the subqueries away.
_Amendment = aliased(Reading)
_Error = aliased(ReadingError)
_Validation = aliased(ReadingValidation)


# Whether a reading is current is decided here, once, for reads, the writer and exports: a
# reading's status is derived, never stored (the row itself is never updated).


ReadingId = ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID]


def amended(reading_id: ReadingId) -> ColumnElement[bool]:
    """SQL condition: a later reading amends this one."""
    return exists().where(_Amendment.amends == reading_id)


def in_error(reading_id: ReadingId) -> ColumnElement[bool]:
    """SQL condition: this reading is marked entered in error."""
    return exists().where(_Error.reading_id == reading_id)


def is_current(reading: type[Reading] | AliasedClass[Reading] = Reading) -> ColumnElement[bool]:
    """SQL condition: neither amended by a later reading nor marked entered in error."""
    return ~amended(reading.id) & ~in_error(reading.id)


def charted(reading: type[Reading] | AliasedClass[Reading] = Reading) -> ColumnElement[bool]:
    """SQL condition: the reading counts for the charting cadence (a nurse entered it, or
    validated the monitor's reading). `is_charted` decides the same in memory."""
    validated = exists().where(_Validation.reading_id == reading.id)
    return (reading.source == "manual") | validated


def status_column(reading_id: ReadingId) -> ColumnElement[str]:
    """The reading's status as a column, decided as `status_of` decides it."""
    return case(
        (in_error(reading_id), "entered_in_error"), (amended(reading_id), "amended"), else_="final"
    )


def status_of(*, amended_by: uuid.UUID | None, error_reason: str | None) -> ReadingStatus:
    """Entered in error wins over amended; a reading that is neither is current ("final")."""
    if error_reason is not None:
        return "entered_in_error"
    if amended_by is not None:
        return "amended"
    return "final"


# NEWS2 is scored on SpO2, systolic pressure and pulse at least (docs/devices.md). A monitor
# sends SpO2 and pulse every few seconds and a blood pressure when the cuff cycles, as a nurse
# reads them off its screen: a device reading lacking one of the three takes the session's last
# value of it when that was taken at most this long before, and the score says so.
NEWS2_CORE = ("spo2", "systolic", "heart_rate")
NEWS2_CARRY = timedelta(minutes=10)

# Each vital's latest current reading holding it, by field: what the tile shows and NEWS2
# carries over (`last_by_vital_many`).
LastByVital = Mapping[str, Reading]


def news2_input(reading: Reading, last: LastByVital | None = None) -> News2Input | None:
    """What NEWS2 scores for `reading`; None when SpO2, SBP or pulse is neither in it nor
    carried from `last` (see NEWS2_CARRY)."""
    core: dict[str, int] = {}
    carried: list[str] = []
    for name in NEWS2_CORE:
        value = getattr(reading, name)
        earlier = (last or {}).get(name)
        if (
            value is None
            and earlier is not None
            and earlier.id != reading.id
            and timedelta(0) <= reading.taken_at - earlier.taken_at <= NEWS2_CARRY
        ):
            value = getattr(earlier, name)
            carried.append(name)
        if value is None:
            return None
        core[name] = value
    return News2Input(
        respiratory_rate=reading.respiratory_rate,
        on_oxygen=reading.on_oxygen,
        consciousness=reading.consciousness,
        temperature_c=reading.temperature_c,
        carried=tuple(carried),
        **core,
    )


@dataclass(frozen=True)
class Validation:
    """Who validated a monitor's reading, and when (`ReadingValidation` with the nurse's name)."""

    at: datetime
    by: uuid.UUID
    by_name: str


def is_charted(reading: Reading, validations: Mapping[uuid.UUID, Validation]) -> bool:
    """The reading counts for the charting cadence: `charted` in memory."""
    return reading.source == "manual" or reading.id in validations


def to_out(
    reading: Reading,
    *,
    baseline_id: uuid.UUID | None,
    amended_by: uuid.UUID | None = None,
    error_reason: str | None = None,
    validation: Validation | None = None,
) -> ReadingOut:
    return ReadingOut(
        id=reading.id,
        session_id=reading.session_id,
        taken_at=reading.taken_at,
        recorded_at=reading.recorded_at,
        recorded_by=reading.recorded_by,
        phase=reading.phase,
        source=cast(Source, reading.source),
        device_id=reading.device_id,
        heart_rate=reading.heart_rate,
        systolic=reading.systolic,
        diastolic=reading.diastolic,
        spo2=reading.spo2,
        respiratory_rate=reading.respiratory_rate,
        temperature_c=reading.temperature_c,
        on_oxygen=reading.on_oxygen,
        consciousness=reading.consciousness,
        sedation_rass=reading.sedation_rass,
        dissociation_cadss6=reading.dissociation_cadss6,
        note=reading.note,
        late_reason=reading.late_reason,
        is_baseline=reading.id == baseline_id,
        complete=not missing_vitals(vars(reading), "manual"),
        amends=reading.amends,
        amend_reason=reading.amend_reason,
        amended_by=amended_by,
        status=status_of(amended_by=amended_by, error_reason=error_reason),
        error_reason=error_reason,
        validated_at=validation.at if validation else None,
        validated_by=validation.by if validation else None,
        validated_by_name=validation.by_name if validation else None,
    )


_VALIDATIONS = select(
    ReadingValidation.reading_id, ReadingValidation.at, ReadingValidation.by, User.display_name
).join(User, User.id == ReadingValidation.by)


def _validations(session: Session, where: ColumnElement[bool]) -> dict[uuid.UUID, Validation]:
    rows = session.execute(_VALIDATIONS.where(where))
    return {rid: Validation(at, by, name) for rid, at, by, name in rows}


def validations_of(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Validation]:
    """Of these readings, the validated ones."""
    return _validations(session, ReadingValidation.reading_id.in_(ids)) if ids else {}


def validations_of_sessions(
    session: Session, session_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Validation]:
    """Every validated reading of these sessions."""
    of_sessions = select(Reading.id).where(Reading.session_id.in_(session_ids))
    return _validations(session, ReadingValidation.reading_id.in_(of_sessions))


@dataclass(frozen=True)
class Corrections:
    """Of some readings: the later reading amending each one, why each one in error is, and
    who validated each monitor reading."""

    amended_by: dict[uuid.UUID, uuid.UUID]
    errors: dict[uuid.UUID, str]
    validations: dict[uuid.UUID, Validation]


def corrections_of(session: Session, ids: Sequence[uuid.UUID]) -> Corrections:
    """Three queries whatever their number."""
    if not ids:
        return Corrections({}, {}, {})
    amended = session.execute(select(Reading.amends, Reading.id).where(Reading.amends.in_(ids)))
    errors = session.execute(
        select(ReadingError.reading_id, ReadingError.reason).where(ReadingError.reading_id.in_(ids))
    )
    return Corrections(
        {a: b for a, b in amended.all() if a is not None},
        {a: b for a, b in errors.all()},
        validations_of(session, ids),
    )


async def describe(
    db: AsyncSession, readings: Sequence[Reading], *, baseline_id: uuid.UUID | None
) -> list[ReadingOut]:
    """Readings with their status."""
    if not readings:
        return []
    found = await db.run_sync(corrections_of, [r.id for r in readings])
    return [
        to_out(
            r,
            baseline_id=baseline_id,
            amended_by=found.amended_by.get(r.id),
            error_reason=found.errors.get(r.id),
            validation=found.validations.get(r.id),
        )
        for r in readings
    ]


async def session_readings(
    db: AsyncSession, *, session_id: uuid.UUID, baseline_id: uuid.UUID | None
) -> list[ReadingOut]:
    rows = await db.scalars(
        select(Reading)
        .where(Reading.session_id == session_id)
        .order_by(Reading.taken_at, Reading.recorded_at)
    )
    return await describe(db, rows.all(), baseline_id=baseline_id)


def _latest_of_sessions() -> Select[Reading]:
    candidate = aliased(Reading)
    newest = (
        select(candidate.id)
        .where(candidate.session_id == InfusionSession.id, is_current(candidate))
        .order_by(candidate.taken_at.desc(), candidate.recorded_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    per_session = select(newest).where(InfusionSession.id.in_(bindparam("ids", expanding=True)))
    return select(Reading).where(Reading.id.in_(per_session))


# Built once: on the reading path, building the statement cost more than running it.
_LATEST_OF_SESSIONS = _latest_of_sessions()


def _last_of_vital(name: str) -> Select[uuid.UUID]:
    candidate = aliased(Reading)
    newest = (
        select(candidate.id)
        .where(
            candidate.session_id == InfusionSession.id,
            getattr(candidate, name).is_not(None),
            is_current(candidate),
        )
        .order_by(candidate.taken_at.desc(), candidate.recorded_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(newest).where(InfusionSession.id.in_(bindparam("ids", expanding=True)))


_LAST_BY_VITAL = select(Reading).where(
    Reading.id.in_(union(*(_last_of_vital(name) for name in MEASURED)))
)


def add_to_last(last: dict[str, Reading], reading: Reading) -> None:
    """`last` (each measured vital's latest current reading) once `reading` is current too."""
    for name in MEASURED:
        if getattr(reading, name) is not None and is_later(reading, last.get(name)):
            last[name] = reading


def last_by_vital_of(readings: Iterable[Reading]) -> dict[str, Reading]:
    """Of some current readings: each measured vital's latest reading holding it."""
    last: dict[str, Reading] = {}
    for reading in readings:
        add_to_last(last, reading)
    return last


def last_by_vital_many(
    session: Session, session_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Reading]]:
    """Each session's `last_by_vital_of` its current readings, in one query (one index walk per
    session and vital, stopping at the newest reading that holds it)."""
    rows: dict[uuid.UUID, list[Reading]] = {i: [] for i in session_ids}
    for reading in session.scalars(_LAST_BY_VITAL, {"ids": list(session_ids)}):
        rows[reading.session_id].append(reading)
    return {i: last_by_vital_of(found) for i, found in rows.items()}


@dataclass(frozen=True)
class Current:
    """Of some sessions: each one's latest current reading (absent if none) and each measured
    vital's (`last_by_vital_of`)."""

    latest: dict[uuid.UUID, Reading]
    last: dict[uuid.UUID, dict[str, Reading]]


def current_many(session: Session, session_ids: Sequence[uuid.UUID]) -> Current:
    """`Current` in one query: every current reading holds a measured vital (`missing_vitals`
    is checked on new readings and corrections alike), so a session's latest reading is the
    latest of its vitals' latest readings."""
    last = last_by_vital_many(session, session_ids)
    latest = {i: r for i, found in last.items() if (r := latest_of(found.values())) is not None}
    return Current(latest, last)


def latest_current_many(
    session: Session, session_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Reading]:
    """Each session's latest current reading (sessions without one are absent), in one query:
    one index walk per session that stops at its newest current reading, so the cost does not
    grow with the session's length. Async callers: `db.run_sync`."""
    rows = session.scalars(_LATEST_OF_SESSIONS, {"ids": list(session_ids)})
    return {r.session_id: r for r in rows}


async def latest_current(db: AsyncSession, *, session_id: uuid.UUID) -> Reading | None:
    return (await db.run_sync(latest_current_many, [session_id])).get(session_id)


def latest_of(readings: Iterable[Reading]) -> Reading | None:
    """The latest of some readings in the order of `latest_current`."""
    return max(readings, key=lambda r: (r.taken_at, r.recorded_at), default=None)


def is_later(reading: Reading, than: Reading | None) -> bool:
    """`reading` comes after `than` in the order of `latest_current`."""
    return than is None or (reading.taken_at, reading.recorded_at) > (
        than.taken_at,
        than.recorded_at,
    )


_LAST_CHARTED = (
    select(Reading.session_id, func.max(Reading.taken_at))
    .where(Reading.session_id.in_(bindparam("ids", expanding=True)), is_current(), charted())
    .group_by(Reading.session_id)
)


@dataclass(frozen=True)
class Charting:
    """What the charting cadence counts from, per session: the latest current reading a nurse
    entered or validated (`charted_at`); and who validated each latest reading that a monitor
    sent (the tile shows it)."""

    charted_at: dict[uuid.UUID, datetime]
    validations: dict[uuid.UUID, Validation]


def charting_many(session: Session, latest: Mapping[uuid.UUID, Reading]) -> Charting:
    """`Charting` of the sessions whose latest current readings are `latest` (a session without
    readings has never been charted): nothing to ask when the latest reading is a nurse's, one
    query for monitors' latest readings and one for the sessions whose latest is not validated."""
    device = [r.id for r in latest.values() if r.source == "device"]
    validations = validations_of(session, device)
    charted_at = {i: r.taken_at for i, r in latest.items() if is_charted(r, validations)}
    if pending := [i for i in latest if i not in charted_at]:
        charted_at |= {i: at for i, at in session.execute(_LAST_CHARTED, {"ids": pending})}
    return Charting(charted_at, validations)
