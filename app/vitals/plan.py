"""Every change to readings, decided in memory: `plan(state, submission, settings)` (DESIGN §2).

A submission asks for one change: a new reading (PUT), a correction (amend) or an
entered-in-error mark. `plan` checks it against the batch's `State` (what the writer read for
the whole batch up front) and decides everything it changes: the reading rows, the alert
changes, the events, the audit rows and the answer. It touches no database; it keeps the state
current in memory (the latest reading, the baseline, the open alerts), so the next submission
of the batch is judged on the state after this one. A refused submission raises its
`VigilError` before anything in the state has changed. `writer.apply` writes a batch of plans
in one transaction.

A monitor's reading is a `NewReading` with its `device_id`: its data a `DeviceReadingIn`,
which may hold only some vitals (`codes.missing_vitals` is the one rule for either source). It
alarms at once, but counts for the charting cadence only once a nurse validates it (a
`Review`); one she rejects is marked entered in error with her reason, and a correction she
makes of one is hers, validated by her.

Adding a kind of change: a frozen dataclass beside `NewReading` holding what it carries, added
to `Change`; a branch in `plan` that checks it with the same rules (`clinical_time`, the
session's phase) and builds its row with `_row` and its alerts with `_judge`; if it names
readings the batch must look up, `Submission.names` lists them. `load`, `apply` and the writer
stay as they are.
"""

import hashlib
import json
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from pydantic import ValidationError

from app.alerts.models import Alert
from app.alerts.rules import Rule
from app.alerts.schemas import AlertOut
from app.alerts.service import Change as AlertChange
from app.alerts.service import alert_event, fold_reading, overdue_change, retract
from app.audit.models import AuditEvent
from app.audit.service import audit_entry
from app.auth.models import User
from app.config import Settings
from app.errors import Conflict, Invalid, NotFound
from app.events import Event
from app.sessions.models import InfusionSession
from app.sessions.phases import ACTIVE, record_closed
from app.sessions.service import clinical_time, session_tile
from app.vitals import read
from app.vitals.codes import VITALS, Source, implausible, missing_vitals, unconfirmed_message
from app.vitals.models import Reading
from app.vitals.schemas import DeviceReadingIn, ReadingAmend, ReadingIn, ReadingOut, _check_bp

SAME_ID = (
    "A different reading was already saved with this id. Nothing was changed; "
    "enter the reading again to save it as a new one."
)
NO_READING = "No reading with that id in this session."


@dataclass(frozen=True)
class NewReading:
    """PUT: a full set of vitals under the client's id; or a monitor's reading (`device_id`)."""

    reading_id: uuid.UUID
    data: ReadingIn
    device_id: str | None = None

    @property
    def source(self) -> Source:
        return "manual" if self.device_id is None else "device"


@dataclass(frozen=True)
class Amendment:
    """A correction of `reading_id`: the fields given replace the reading's, as a new reading."""

    reading_id: uuid.UUID
    data: ReadingAmend


@dataclass(frozen=True)
class ErrorMark:
    reading_id: uuid.UUID
    reason: str


@dataclass(frozen=True)
class Review:
    """A nurse's check of monitor readings, as one: all validated, or all rejected (`reason`)."""

    reading_ids: tuple[uuid.UUID, ...]
    outcome: Literal["validated", "rejected"]
    reason: str | None = None


Change = NewReading | Amendment | ErrorMark | Review


@dataclass(frozen=True)
class Submission:
    session_id: uuid.UUID
    change: Change
    by: User
    client_addr: str | None

    def replays(self) -> list[uuid.UUID]:
        """The ids it may already be stored under (it is a retry)."""
        match self.change:
            case NewReading():
                return [self.change.reading_id]
            case Amendment():
                return [self.change.data.id] if self.change.data.id is not None else []
            case ErrorMark() | Review():
                return []

    def names(self) -> list[uuid.UUID]:
        """The stored readings it may replay or correct: the writer looks them up."""
        match self.change:
            case NewReading():
                return self.replays()
            case Review():
                return list(self.change.reading_ids)
            case _:
                return [self.change.reading_id, *self.replays()]


@dataclass
class ReadingResult:
    reading: ReadingOut
    alerts: list[AlertOut]
    recheck: bool
    created: bool


@dataclass
class ReviewResult:
    """The reviewed readings as they now stand; `changed`: how many this review changed (a
    retried review changes none)."""

    readings: list[ReadingOut]
    changed: int


Answer = ReadingResult | ReviewResult


@dataclass
class State:
    """What a batch reads up front, kept current in memory plan by plan."""

    now: datetime
    sessions: dict[uuid.UUID, InfusionSession]
    # Readings by id: those the batch names, the sessions' baselines, and those it writes.
    readings: dict[uuid.UUID, Reading]
    # Of those: the reading correcting each amended one, the reason of each one in error.
    amended_by: dict[uuid.UUID, uuid.UUID]
    errors: dict[uuid.UUID, str]
    # The alerts each stored reading named in the batch raised or last updated (replays).
    replayed_alerts: dict[uuid.UUID, list[Alert]]
    # Validated monitor readings by id: of the readings above and every current reading below.
    validations: dict[uuid.UUID, read.Validation] = field(default_factory=dict)
    # By session: when it was last charted (`read.Charting`), what the cadence counts from.
    charted: dict[uuid.UUID, datetime] = field(default_factory=dict)
    rules: dict[uuid.UUID, tuple[Rule, ...]] = field(default_factory=dict)  # by patient
    latest: dict[uuid.UUID, Reading] = field(default_factory=dict)  # by session
    # By session: each measured vital's latest current reading (`read.last_by_vital_of`).
    last: dict[uuid.UUID, dict[str, Reading]] = field(default_factory=dict)
    opened: dict[uuid.UUID, dict[str, Alert]] = field(default_factory=dict)  # by session, rule
    # Every current reading of the sessions the batch corrects: what follows a corrected latest
    # reading or baseline.
    current: dict[uuid.UUID, dict[uuid.UUID, Reading]] = field(default_factory=dict)
    # The readings this batch writes, by id: their session, body hash and answer.
    written: dict[uuid.UUID, tuple[uuid.UUID, str, ReadingResult]] = field(default_factory=dict)


@dataclass
class Plan:
    """What one submission changes. Alert and session changes are made on the state's objects
    (loaded in the writer's transaction), `alerts` naming those to add."""

    answer: Answer
    readings: list[dict[str, object]] = field(default_factory=list)
    errors: list[dict[str, object]] = field(default_factory=list)
    validations: list[dict[str, object]] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    audits: list[AuditEvent] = field(default_factory=list)


def body_hash(data: ReadingIn) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_late(
    data: ReadingIn, s: InfusionSession, now: datetime, settings: Settings
) -> str | None:
    """The reason a reading for an ended session is entered late (None: the session is still
    running, the reading is live). Late entries are taken for `late_entry_hours` after the end,
    each with its reason."""
    if s.phase in ACTIVE:
        if data.late_reason is not None:
            raise Invalid(
                "late_reason",
                "The session is still running; enter the reading without a late-entry reason.",
            )
        return None
    if (closed := record_closed(s, now, settings)) is not None:
        raise Conflict(closed)
    if data.late_reason is None:
        raise Invalid(
            "late_reason",
            f"The session is {s.phase}; a reading entered now is a late entry: "
            "give the reason it is entered late.",
        )
    return data.late_reason


def check_complete(data: ReadingIn, source: Source) -> None:
    """A reading, new or corrected, holds what its source must send (`codes.missing_vitals`)."""
    if missing := missing_vitals(data.model_dump(), source):
        labels = ", ".join(VITALS[f].label if f in VITALS else f for f in missing)
        raise Invalid("values", f"The reading has no {labels}.")


def check_confirmed(data: ReadingIn, fields: Collection[str]) -> None:
    """Of `fields`, a value implausible for a conscious patient (`codes.implausible`) is taken
    only with the nurse's explicit `confirm_value`: a probe off or a typo is not charted as the
    patient's by a slip."""
    if data.confirm_value:
        return
    values = data.model_dump(include=set(fields))
    if odd := implausible(values):
        raise Invalid(odd[0], unconfirmed_message(odd[0], values[odd[0]]))


def corrected(old: Reading, data: ReadingAmend) -> ReadingIn:
    """The reading an amendment makes: its fields over the old one's, validated as a PUT (as a
    monitor's reading when it corrects one)."""
    schema = DeviceReadingIn if old.source == "device" else ReadingIn
    fields = schema.model_fields
    given = data.model_dump(exclude_unset=True, include=set(fields))
    for name, value in given.items():
        if value is None and fields[name].is_required():
            what = VITALS[name].display if name in VITALS else "The reading time"
            raise Invalid(
                name, f"{what} cannot be removed; send the corrected value or leave it out."
            )
    merged = {f: getattr(old, f) for f in fields if f != "confirm_value"} | given
    try:
        _check_bp(merged["systolic"], merged["diastolic"])
    except ValueError as exc:
        raise Invalid("diastolic", str(exc)) from None
    try:
        return schema.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        reason = first.get("ctx", {}).get("error") or first["msg"]
        raise Invalid(str(first["loc"][0]) if first["loc"] else "body", str(reason)) from None


def _answer(
    s: InfusionSession, out: ReadingOut, alerts: list[Alert], *, created: bool
) -> ReadingResult:
    return ReadingResult(
        reading=out,
        alerts=[AlertOut.of(a, s) for a in alerts],
        recheck=any(a.priority == "high" and a.state == "active" for a in alerts),
        created=created,
    )


def _stored(state: State, s: InfusionSession, reading: Reading) -> ReadingResult:
    """A replay of a reading stored before this batch."""
    out = read.to_out(
        reading,
        baseline_id=s.baseline_reading_id,
        amended_by=state.amended_by.get(reading.id),
        error_reason=state.errors.get(reading.id),
        validation=state.validations.get(reading.id),
    )
    return _answer(s, out, state.replayed_alerts.get(reading.id, []), created=False)


def _row(
    state: State,
    s: InfusionSession,
    item: Submission,
    reading_id: uuid.UUID,
    data: ReadingIn,
    *,
    device_id: str | None,
) -> dict[str, object]:
    return {
        "id": reading_id,
        "session_id": s.id,
        "source": "manual" if device_id is None else "device",
        "device_id": device_id,
        "body_hash": body_hash(data),
        "recorded_at": state.now,
        "recorded_by": item.by.id,
        "phase": s.phase,
        "amends": None,
        "amend_reason": None,
        **data.model_dump(exclude={"confirm_value"}),
    }


def _judge(
    state: State, s: InfusionSession, reading: Reading, settings: Settings
) -> tuple[list[Alert], list[AlertChange]]:
    baseline = state.readings.get(s.baseline_reading_id) if s.baseline_reading_id else None
    return fold_reading(
        session=s,
        reading=reading,
        baseline=baseline,
        latest=state.latest.get(s.id),
        last=state.last.get(s.id, {}),
        rules=state.rules[s.patient_id],
        opened=state.opened[s.id],
        settings=settings,
        now=state.now,
        charted_at=state.charted.get(s.id),
    )


def _set_current(
    state: State, s: InfusionSession, *, add: Reading | None, drop: Reading | None
) -> None:
    """Keep the latest reading (and each vital's) right after a reading is added or stops being
    current."""
    current = state.current.get(s.id)
    if current is None:
        # Only new readings here (no correction in this batch): the later one wins.
        if add is not None:
            if read.is_later(add, state.latest.get(s.id)):
                state.latest[s.id] = add
            read.add_to_last(state.last.setdefault(s.id, {}), add)
        return
    if drop is not None:
        current.pop(drop.id, None)
    if add is not None:
        current[add.id] = add
    state.last[s.id] = read.last_by_vital_of(current.values())
    latest = read.latest_of(current.values())
    if latest is None:
        state.latest.pop(s.id, None)
    else:
        state.latest[s.id] = latest


def _set_charted(state: State, s: InfusionSession, *, add: Reading | None = None) -> None:
    """Keep when the session was last charted right after a reading is added, validated or
    stops being current (`add`: a reading just added or validated, when the session's current
    readings are not in the state)."""
    current = state.current.get(s.id)
    if current is not None:
        times = [r.taken_at for r in current.values() if read.is_charted(r, state.validations)]
        if times:
            state.charted[s.id] = max(times)
        else:
            state.charted.pop(s.id, None)
    elif add is not None and read.is_charted(add, state.validations):
        earlier = state.charted.get(s.id)
        state.charted[s.id] = add.taken_at if earlier is None else max(earlier, add.taken_at)


def _published(
    state: State,
    s: InfusionSession,
    *,
    type: str,
    out: ReadingOut | list[ReadingOut],
    changes: list[AlertChange],
    settings: Settings,
) -> tuple[list[Alert], list[Event]]:
    """The alert changes' events, then the reading's (or a review's readings'): with the
    session's tile as it now stands, so a dashboard needs nothing else."""
    tile = session_tile(
        s,
        latest=state.latest.get(s.id),
        last=state.last.get(s.id, {}),
        alerts=state.opened[s.id].values(),
        settings=settings,
        charting=read.Charting(state.charted, state.validations),
        latest_out=out if isinstance(out, ReadingOut) else None,
    )
    events = [alert_event(alert, kind, s) for alert, kind in changes]
    shown = (
        {"reading": out.model_dump(mode="json")}
        if isinstance(out, ReadingOut)
        else {"readings": [r.model_dump(mode="json") for r in out]}
    )
    events.append(
        Event(type=type, session_id=s.id, data=shown | {"session": tile.model_dump(mode="json")})
    )
    return [alert for alert, _kind in changes], events


def _new_reading(
    state: State, s: InfusionSession, item: Submission, change: NewReading, settings: Settings
) -> Plan:
    digest = body_hash(change.data)
    if (existing := state.readings.get(change.reading_id)) is not None:
        if existing.session_id != s.id or existing.body_hash != digest:
            raise Conflict(SAME_ID)
        return Plan(_stored(state, s, existing))
    late = check_late(change.data, s, state.now, settings)
    check_complete(change.data, change.source)
    clinical_time(s, change.data.taken_at, state.now, field="taken_at")
    check_confirmed(change.data, VITALS)
    row = _row(state, s, item, change.reading_id, change.data, device_id=change.device_id)
    reading = Reading(**row)
    state.readings[reading.id] = reading
    if s.phase == "pre_infusion" and s.baseline_reading_id is None and _may_be_baseline(row):
        s.baseline_reading_id = reading.id
    _set_current(state, s, add=reading, drop=None)
    _set_charted(state, s, add=reading)
    # A late entry documents an ended session: it raises, clears and re-times nothing.
    raised, changes = ([], []) if late else _judge(state, s, reading, settings)
    out = read.to_out(reading, baseline_id=s.baseline_reading_id)
    alerts, events = _published(
        state, s, type="reading.created", out=out, changes=changes, settings=settings
    )
    details = {"session_id": str(s.id)} | ({"late_reason": late} if late else {})
    audit = audit_entry(
        action="reading.late" if late else "reading.create",
        user=item.by,
        target_type="reading",
        target_id=reading.id,
        details=details,
        client_addr=item.client_addr,
    )
    result = _answer(s, out, raised, created=True)
    state.written[reading.id] = (s.id, digest, result)
    return Plan(result, readings=[row], alerts=alerts, events=events, audits=[audit])


def _correctable(
    state: State, s: InfusionSession, reading_id: uuid.UUID, settings: Settings
) -> Reading:
    reading = state.readings.get(reading_id)
    if reading is None or reading.session_id != s.id:
        raise NotFound(NO_READING)
    if (closed := record_closed(s, state.now, settings)) is not None:
        raise Conflict(closed)
    if (by := state.amended_by.get(reading.id)) is not None:
        raise Conflict(f"This reading was already corrected by reading {by}; amend that one.")
    if reading.id in state.errors:
        raise Conflict("This reading is already marked as entered in error.")
    return reading


def _may_be_baseline(values: Mapping[str, object]) -> bool:
    """A baseline is a complete set (a monitor's SpO2 alone says nothing of the blood pressure
    the start is gated on), and a value implausible for a conscious patient never becomes the
    baseline by itself."""
    return not missing_vitals(values, "manual") and not implausible(values)


def _next_baseline(state: State, s: InfusionSession) -> uuid.UUID | None:
    """The first current pre-infusion reading that may be the baseline: where the baseline
    moves when its reading is corrected or marked in error."""
    candidates = sorted(
        (r for r in state.current[s.id].values() if r.phase == "pre_infusion"),
        key=lambda r: r.taken_at,
    )
    return next((r.id for r in candidates if _may_be_baseline(vars(r))), None)


def _amendment(
    state: State, s: InfusionSession, item: Submission, change: Amendment, settings: Settings
) -> Plan:
    data = change.data
    if data.id is not None:
        # A retried correction: answered with the one already made.
        if (earlier := state.written.get(data.id)) is not None:
            session_id, _digest, result = earlier
            if result.reading.amends != change.reading_id:
                raise Conflict("That correction id is already used by another reading.")
            if session_id != s.id:
                raise NotFound(NO_READING)
            return Plan(replace(result, created=False))
        if (existing := state.readings.get(data.id)) is not None:
            if existing.amends != change.reading_id:
                raise Conflict("That correction id is already used by another reading.")
            if existing.session_id != s.id:
                raise NotFound(NO_READING)
            return Plan(_stored(state, s, existing))
    old = _correctable(state, s, change.reading_id, settings)
    values = corrected(old, data)
    check_complete(values, "device" if old.source == "device" else "manual")
    clinical_time(s, values.taken_at, state.now, field="taken_at")
    check_confirmed(values, data.model_fields_set)
    latest = state.latest.get(s.id)
    was_latest = latest is not None and latest.id == old.id
    row = _row(state, s, item, data.id or uuid.uuid4(), values, device_id=old.device_id) | {
        "phase": old.phase,
        "amends": old.id,
        "amend_reason": data.reason,
    }
    new = Reading(**row)
    state.readings[new.id] = new
    state.amended_by[old.id] = new.id
    validations = []
    if new.source == "device":
        # The nurse who corrects a monitor's values has checked them.
        state.validations[new.id] = read.Validation(state.now, item.by.id, item.by.display_name)
        validations.append({"reading_id": new.id, "at": state.now, "by": item.by.id})
    _set_current(state, s, add=new, drop=old)
    _set_charted(state, s)
    if s.baseline_reading_id == old.id and _may_be_baseline(row):
        s.baseline_reading_id = new.id
    elif s.baseline_reading_id in (old.id, None) and s.phase == "pre_infusion":
        s.baseline_reading_id = _next_baseline(state, s)
    changes = retract(
        state.opened[s.id], reading_id=old.id, reason=f"corrected ({data.reason})", now=state.now
    )
    raised: list[Alert] = []
    if was_latest and s.phase in ACTIVE:
        # Only a correction of the latest reading of a running session says anything about the
        # patient now.
        raised, more = _judge(state, s, new, settings)
        changes += more
    out = read.to_out(
        new, baseline_id=s.baseline_reading_id, validation=state.validations.get(new.id)
    )
    alerts, events = _published(
        state, s, type="reading.amended", out=out, changes=changes, settings=settings
    )
    audit = audit_entry(
        action="reading.amend",
        user=item.by,
        target_type="reading",
        target_id=new.id,
        details={"amends": str(old.id), "reason": data.reason},
        client_addr=item.client_addr,
    )
    result = _answer(s, out, raised, created=True)
    state.written[new.id] = (s.id, str(row["body_hash"]), result)
    return Plan(
        result,
        readings=[row],
        validations=validations,
        alerts=alerts,
        events=events,
        audits=[audit],
    )


def _mark_in_error(
    state: State, s: InfusionSession, item: Submission, reading: Reading, reason: str
) -> tuple[dict[str, object], list[AlertChange]]:
    """`reading` stops being current: its row of `reading_error`, and the alert changes."""
    state.errors[reading.id] = reason
    _set_current(state, s, add=None, drop=reading)
    _set_charted(state, s)
    if s.baseline_reading_id == reading.id:
        s.baseline_reading_id = _next_baseline(state, s)
    changes = retract(state.opened[s.id], reading_id=reading.id, reason=reason, now=state.now)
    mark = {"reading_id": reading.id, "reason": reason, "at": state.now, "by": item.by.id}
    return mark, changes


def _error_mark(
    state: State, s: InfusionSession, item: Submission, change: ErrorMark, settings: Settings
) -> Plan:
    reading = _correctable(state, s, change.reading_id, settings)
    mark, changes = _mark_in_error(state, s, item, reading, change.reason)
    out = read.to_out(
        reading,
        baseline_id=s.baseline_reading_id,
        error_reason=change.reason,
        validation=state.validations.get(reading.id),
    )
    alerts, events = _published(
        state, s, type="reading.amended", out=out, changes=changes, settings=settings
    )
    audit = audit_entry(
        action="reading.entered_in_error",
        user=item.by,
        target_type="reading",
        target_id=reading.id,
        details={"reason": change.reason},
        client_addr=item.client_addr,
    )
    return Plan(
        _answer(s, out, [], created=True),
        errors=[mark],
        alerts=alerts,
        events=events,
        audits=[audit],
    )


NOT_REVIEWED = (
    "Only a monitor's readings are validated or rejected; a nurse's own reading is corrected "
    "or marked entered in error instead."
)


def _reviewable(state: State, s: InfusionSession, change: Review) -> list[Reading]:
    """The readings a review names, each a monitor's reading of this session still current
    (or already reviewed the same way: a retried review), else the whole review is refused."""
    readings = []
    for reading_id in dict.fromkeys(change.reading_ids):
        reading = state.readings.get(reading_id)
        if reading is None or reading.session_id != s.id:
            raise NotFound(NO_READING)
        if reading.source != "device":
            raise Invalid("reading_ids", NOT_REVIEWED)
        taken = f"The monitor reading taken {reading.taken_at:%H:%M:%S} UTC"
        if (by := state.amended_by.get(reading.id)) is not None:
            raise Conflict(f"{taken} was corrected by reading {by}; that correction stands.")
        validation = state.validations.get(reading.id)
        if change.outcome == "validated" and reading.id in state.errors:
            raise Conflict(f"{taken} is rejected (entered in error); it cannot be validated.")
        if change.outcome == "rejected" and validation is not None:
            raise Conflict(
                f"{taken} was validated by {validation.by_name}; to take it back, mark it "
                "entered in error in the reading history, with the reason."
            )
        readings.append(reading)
    return readings


def _review(
    state: State, s: InfusionSession, item: Submission, change: Review, settings: Settings
) -> Plan:
    if (closed := record_closed(s, state.now, settings)) is not None:
        raise Conflict(closed)
    readings = _reviewable(state, s, change)
    result = Plan(ReviewResult([], 0))
    changes: list[AlertChange] = []
    done = []
    for reading in readings:
        if change.outcome == "validated":
            if reading.id in state.validations:
                continue
            state.validations[reading.id] = read.Validation(
                state.now, item.by.id, item.by.display_name
            )
            result.validations.append({"reading_id": reading.id, "at": state.now, "by": item.by.id})
        else:
            if reading.id in state.errors:
                continue
            mark, retracted = _mark_in_error(state, s, item, reading, str(change.reason))
            result.errors.append(mark)
            changes += retracted
        done.append(reading)
    outs = [
        read.to_out(
            r,
            baseline_id=s.baseline_reading_id,
            error_reason=state.errors.get(r.id),
            validation=state.validations.get(r.id),
        )
        for r in readings
    ]
    result.answer = ReviewResult(outs, len(done))
    if not done:
        return result
    _set_charted(state, s)
    if s.phase in ACTIVE and (
        overdue := overdue_change(
            session=s,
            rules=state.rules[s.patient_id],
            settings=settings,
            now=state.now,
            charted_at=state.charted.get(s.id),
            opened=state.opened[s.id],
            on_reading=True,
        )
    ):
        changes.append(overdue)
        if overdue[0].state == "resolved":
            state.opened[s.id].pop(overdue[0].rule, None)
        else:
            state.opened[s.id][overdue[0].rule] = overdue[0]
    result.alerts, result.events = _published(
        state,
        s,
        type=f"readings.{change.outcome}",
        out=[o for o in outs if o.id in {r.id for r in done}],
        changes=changes,
        settings=settings,
    )
    details: dict[str, object] = {"session_id": str(s.id), "readings": [str(r.id) for r in done]}
    if change.reason:
        details["reason"] = change.reason
    result.audits = [
        audit_entry(
            action="reading.validate" if change.outcome == "validated" else "reading.reject",
            user=item.by,
            target_type="session",
            target_id=s.id,
            details=details,
            client_addr=item.client_addr,
        )
    ]
    return result


def plan(state: State, item: Submission, settings: Settings) -> Plan:
    """Decide one submission against the batch's state (see the module's docstring)."""
    change = item.change
    if isinstance(change, NewReading) and (earlier := state.written.get(change.reading_id)):
        # A tablet retrying in parallel with itself: the same reading twice in one batch.
        session_id, digest, result = earlier
        if session_id != item.session_id or digest != body_hash(change.data):
            raise Conflict(SAME_ID)
        return Plan(replace(result, created=False))
    s = state.sessions.get(item.session_id)
    if s is None:
        raise NotFound("No infusion session with that id.")
    match change:
        case NewReading():
            return _new_reading(state, s, item, change, settings)
        case Amendment():
            return _amendment(state, s, item, change, settings)
        case ErrorMark():
            return _error_mark(state, s, item, change, settings)
        case Review():
            return _review(state, s, item, change, settings)
