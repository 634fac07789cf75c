"""Alert lifecycle (DESIGN §3): raise, update, resolve, latch, acknowledge.

The decisions are made by the pure functions in rules.py/news2.py; this module applies them to
the `alert` table inside the caller's transaction and writes one event per change.

Lock order on PostgreSQL: every writer takes the journal lock *before* it changes an alert row
(readings, acknowledgements, the timers). Taking it after, on the first event, would let a
reading hold an alert row while waiting for the journal lock that the timer holds while waiting
for that row: a deadlock.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, selectinload

from app.alerts.models import Alert
from app.alerts.news2 import news2
from app.alerts.rules import Condition, Rule, combine, evaluate_reading, overdue_condition
from app.alerts.schemas import AlertOut
from app.audit.service import record_audit
from app.auth.models import User
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.events import Event, take_journal_lock, write_events
from app.sessions.models import InfusionSession
from app.sessions.phases import next_due
from app.vitals import read
from app.vitals.codes import VITALS
from app.vitals.models import Reading

OVERDUE = "overdue"
SAFETY = "safety"


def values_of(reading: Reading) -> dict[str, float | int | None]:
    return {f: getattr(reading, f) for f in VITALS}


def alert_event(alert: Alert, type: str, session: InfusionSession) -> Event:
    data = {"alert": AlertOut.of(alert, session).model_dump(mode="json")}
    return Event(type=type, session_id=alert.session_id, data=data)


# What "open" means, once: raised and not yet resolved (active or acknowledged).
IS_OPEN = Alert.state != "resolved"
# The open alerts of sessions; built once, as on the reading path building a statement costs
# more than running it.
OPEN_ALERTS_OF = select(Alert).where(
    Alert.session_id.in_(bindparam("ids", expanding=True)), IS_OPEN
)


def record_change(session: Session, alert: Alert, type: str, s: InfusionSession) -> None:
    session.add(alert)
    write_events(session, [alert_event(alert, type, s)])


async def emit(db: AsyncSession, alert: Alert, type: str, session: InfusionSession) -> None:
    await db.run_sync(record_change, alert, type, session)


async def open_alerts(db: AsyncSession, session_id: uuid.UUID) -> list[Alert]:
    rows = await db.scalars(OPEN_ALERTS_OF, {"ids": [session_id]})
    return sorted(rows, key=lambda a: a.raised_at)


# Built once: alert paths off the reading path load the sessions their events name.
_SESSIONS_WITH_PATIENT = (
    select(InfusionSession)
    .where(InfusionSession.id.in_(bindparam("ids", expanding=True)))
    .options(selectinload(InfusionSession.patient))
)


def load_sessions(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, InfusionSession]:
    """Sessions with their patients, by id: what `AlertOut.of` needs."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {s.id: s for s in session.scalars(_SESSIONS_WITH_PATIENT, {"ids": wanted})}


async def sessions_by_id(
    db: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, InfusionSession]:
    return await db.run_sync(load_sessions, ids)


_RANK = {None: 0, "low": 1, "medium": 2, "high": 3}

# What changed: the alert (a new one not yet added to any session) and its event type.
Change = tuple[Alert, str]


def _worse(rule: Rule | None, old: float | None, new: float | None) -> float | None:
    if old is None or new is None:
        return new if old is None else old
    upward = any(t.upward for t in (rule.medium, rule.high) if t) if rule else True
    return max(old, new) if upward else min(old, new)


def fold_condition(
    *,
    session_id: uuid.UUID,
    condition: Condition,
    rule: Rule | None,
    reading_id: uuid.UUID | None,
    now: datetime,
    alert: Alert | None,
) -> Change | None:
    """Fold one evaluated condition into the session's open `alert` for that rule (None if there
    is none): the alert and its event type if it changed, else None. Touches no database."""
    if condition.priority is None:
        if alert is None:
            return None
        # A technical alert reports a gap in monitoring, not the patient: once the gap closes
        # there is nothing left to latch for.
        if alert.priority == "high" and alert.state == "active" and alert.kind != "overdue":
            if alert.cleared_at is None:
                alert.cleared_at = now
                alert.updated_at = now
                return alert, "alert.updated"
            return None
        alert.state, alert.resolved_at, alert.updated_at = "resolved", now, now
        alert.resolved_reason = condition.message
        return alert, "alert.resolved"
    if alert is None:
        # Every column set here, not left to flush-time defaults: the event is built before
        # anything is flushed.
        alert = Alert(
            id=uuid.uuid4(),
            session_id=session_id,
            rule=condition.rule,
            kind=condition.kind,
            priority=condition.priority,
            state="active",
            message=condition.message,
            value=condition.value,
            limit=condition.limit,
            worst_value=condition.value,
            count=1,
            raised_at=now,
            updated_at=now,
            escalated=False,
            first_reading_id=reading_id,
            last_reading_id=reading_id,
        )
        return alert, "alert.raised"
    if _RANK[condition.priority] > _RANK[alert.priority]:
        # Worse than what was acknowledged: it must alarm again.
        alert.priority, alert.state = condition.priority, "active"
        alert.acknowledged_at = alert.acknowledged_by = alert.ack_note = None
        alert.escalated, alert.escalated_at = False, None
    alert.message, alert.value, alert.limit = condition.message, condition.value, condition.limit
    alert.worst_value = _worse(rule, alert.worst_value, condition.value)
    alert.count += 1
    alert.cleared_at = None
    alert.updated_at = now
    alert.last_reading_id = reading_id or alert.last_reading_id
    return alert, "alert.updated"


def overdue_change(
    *,
    session: InfusionSession,
    rules: Sequence[Rule],
    settings: Settings,
    now: datetime,
    charted_at: datetime | None,
    opened: dict[str, Alert],
    on_reading: bool = False,
) -> Change | None:
    """Raise, worsen or clear the session's overdue-reading alert (in `opened`, the session's
    open alerts by rule) against the next due time after the session was last charted
    (`read.charting_many`): the same `next_due` as the tile's, so an open medium/high alert
    brings it forward."""
    rule = next(r for r in rules if r.code == OVERDUE)
    alert = opened.get(OVERDUE)
    due = next_due(session, charted_at, alerts=opened.values(), settings=settings)
    if due is None:
        condition = Condition(
            rule.code, rule.kind, None, None, None, f"No readings are due while {session.phase}"
        )
    else:
        condition = overdue_condition(due, now, rule)
    if condition.priority is None and on_reading:
        condition = replace(condition, message="Reading received")
    if alert is not None and alert.priority == condition.priority:
        # Still late at the same priority: the minutes grow every tick, but an update event per
        # tick would only be noise on the dashboard and inflate the breach count.
        return None
    return fold_condition(
        session_id=session.id,
        condition=condition,
        rule=rule,
        reading_id=None,
        now=now,
        alert=alert,
    )


def fold_reading(
    *,
    session: InfusionSession,
    reading: Reading,
    baseline: Reading | None,
    latest: Reading | None,
    last: read.LastByVital,
    rules: Sequence[Rule],
    opened: dict[str, Alert],
    settings: Settings,
    now: datetime,
    charted_at: datetime | None,
) -> tuple[list[Alert], list[Change]]:
    """Evaluate a new reading against the session's `opened` alerts (by rule, updated in place);
    it also closes (or re-times) the overdue alert at once against `charted_at` (when the
    session was last charted, this reading included: a monitor's unvalidated reading alarms but
    does not meet the cadence). Returns the alerts the reading
    raised or renewed, and every change in order. Touches no database.

    A monitor's reading may hold only some vitals: a rule whose parameter it lacks decides
    nothing, and NEWS2 is scored only as `read.news2_input` allows (`last`: each vital's latest
    current reading, this one included).

    `latest`: the session's latest current reading, this one included. A reading entered late,
    taken before the latest one, still raises what it shows (the physician should know), but
    cannot clear an alert: only a later reading says the patient is back within limits.
    """
    by_code = {r.code: r for r in rules}
    scored = read.news2_input(reading, last)
    conditions = combine(
        evaluate_reading(
            values_of(reading),
            values_of(baseline) if baseline is not None else None,
            rules,
            news2(scored) if scored is not None else None,
        )
    )
    if latest is not None and latest.id != reading.id:
        conditions = [c for c in conditions if c.priority is not None]
    raised: list[Alert] = []
    changes: list[Change] = []
    for condition in conditions:
        change = fold_condition(
            session_id=session.id,
            condition=condition,
            rule=by_code.get(condition.rule),
            reading_id=reading.id,
            now=now,
            alert=opened.get(condition.rule),
        )
        if change is None:
            continue
        changes.append(change)
        alert = change[0]
        opened[condition.rule] = alert
        if condition.priority is not None:
            raised.append(alert)
    overdue = overdue_change(
        session=session,
        rules=rules,
        settings=settings,
        now=now,
        on_reading=True,
        charted_at=charted_at,
        opened=opened,
    )
    if overdue is not None:
        changes.append(overdue)
        opened[OVERDUE] = overdue[0]
    for code in [code for code, alert in opened.items() if alert.state == "resolved"]:
        del opened[code]
    return raised, changes


async def open_alerts_by_rule(db: AsyncSession, session_id: uuid.UUID) -> dict[str, Alert]:
    return {a.rule: a for a in await db.scalars(OPEN_ALERTS_OF, {"ids": [session_id]})}


async def raise_safety_alert(
    db: AsyncSession, *, session_id: uuid.UUID, rule: str, message: str, value: float
) -> Alert:
    """A high alert from a finding outside the vitals: raised, or, if the session already has
    one open for `rule`, renewed and made to alarm again. Escalates like any high alert."""
    await take_journal_lock(db)
    now = utcnow()
    session = (await sessions_by_id(db, [session_id]))[session_id]
    alert = (await open_alerts_by_rule(db, session_id)).get(rule)
    if alert is None:
        alert = Alert(
            id=uuid.uuid4(),
            session_id=session_id,
            rule=rule,
            kind=SAFETY,
            priority="high",
            state="active",
            message=message,
            value=value,
            worst_value=value,
            count=1,
            raised_at=now,
            updated_at=now,
            escalated=False,
        )
        await emit(db, alert, "alert.raised", session)
        return alert
    alert.state, alert.message, alert.value, alert.updated_at = "active", message, value, now
    alert.acknowledged_at = alert.acknowledged_by = alert.ack_note = None
    alert.escalated, alert.escalated_at = False, None
    alert.worst_value = max(alert.worst_value or value, value)
    alert.count += 1
    await emit(db, alert, "alert.updated", session)
    return alert


async def resolve_session_alerts(
    db: AsyncSession, *, session: InfusionSession, reason: str
) -> None:
    """Ending a session (discharge or abort) ends its alarms: nobody is left to respond to them,
    and a chair that is empty must not keep sounding."""
    await take_journal_lock(db)
    now = utcnow()
    rows = await db.scalars(
        select(Alert).where(Alert.session_id == session.id, Alert.state != "resolved")
    )
    for alert in rows.all():
        alert.state, alert.resolved_at, alert.updated_at = "resolved", now, now
        alert.resolved_reason = reason
        await emit(db, alert, "alert.resolved", session)


def retract(
    opened: dict[str, Alert], *, reading_id: uuid.UUID, reason: str, now: datetime
) -> list[Change]:
    """Alerts last driven by a reading that turned out wrong are resolved as entered in error;
    `opened` (the session's open alerts by rule) loses them. Touches no database."""
    changes: list[Change] = []
    for code, alert in list(opened.items()):
        if alert.last_reading_id != reading_id:
            continue
        alert.state, alert.resolved_at, alert.updated_at = "resolved", now, now
        alert.resolved_reason = f"Reading entered in error: {reason}"
        changes.append((alert, "alert.resolved"))
        del opened[code]
    return changes


_READING_IDS: BindParameter[uuid.UUID] = bindparam("ids", expanding=True)
# The alerts each of some readings raised or last updated: what a replay answers with.
ALERTS_OF_READINGS = (
    select(Alert)
    .where(Alert.first_reading_id.in_(_READING_IDS) | Alert.last_reading_id.in_(_READING_IDS))
    .order_by(Alert.raised_at)
)


async def list_alerts(
    db: AsyncSession,
    *,
    state: str | None,
    session_id: uuid.UUID | None,
    site_ids: set[uuid.UUID] | None,
) -> list[AlertOut]:
    """The latest 500 alerts, at `site_ids` (None: every site)."""
    query = (
        select(Alert)
        .join(InfusionSession, InfusionSession.id == Alert.session_id)
        .order_by(Alert.raised_at.desc())
        .limit(500)
    )
    if state == "open":
        query = query.where(IS_OPEN)
    elif state:
        query = query.where(Alert.state == state)
    if session_id:
        query = query.where(Alert.session_id == session_id)
    if site_ids is not None:
        query = query.where(InfusionSession.site_id.in_(site_ids))
    rows = (await db.scalars(query)).all()
    sessions = await sessions_by_id(db, [a.session_id for a in rows])
    who = {a.acknowledged_by for a in rows if a.acknowledged_by is not None}
    names: dict[uuid.UUID, str] = {}
    if who:
        found = await db.execute(select(User.id, User.display_name).where(User.id.in_(who)))
        names = {user_id: name for user_id, name in found}
    return [
        AlertOut.of(
            a,
            sessions[a.session_id],
            acknowledged_by_name=names.get(a.acknowledged_by) if a.acknowledged_by else None,
        )
        for a in rows
    ]


async def acknowledge(
    db: AsyncSession,
    *,
    alert_id: uuid.UUID,
    note: str | None,
    by: User,
    site_ids: set[uuid.UUID] | None,
) -> AlertOut:
    await take_journal_lock(db)
    # Read after the lock, so two nurses acknowledging at once get one success and one 409.
    alert = await db.get(Alert, alert_id)
    session = (
        (await sessions_by_id(db, [alert.session_id])).get(alert.session_id) if alert else None
    )
    if (
        alert is None
        or session is None
        or (site_ids is not None and session.site_id not in site_ids)
    ):
        raise NotFound("No alert with that id.")
    if alert.state != "active":
        raise Conflict(f"This alert is already {alert.state}.")
    if alert.kind == SAFETY and not (note and note.strip()):
        raise Invalid(
            "note", "Write what was done (who spoke to the patient, the plan) to acknowledge."
        )
    now = utcnow()
    alert.state, alert.acknowledged_at, alert.acknowledged_by = "acknowledged", now, by.id
    alert.ack_note, alert.updated_at = note, now
    await record_audit(
        db,
        action="alert.acknowledge",
        user=by,
        target_type="alert",
        target_id=alert.id,
        details={"rule": alert.rule, "priority": alert.priority},
    )
    await emit(db, alert, "alert.acknowledged", session)
    if alert.cleared_at is not None:
        # A latched high alert whose condition already cleared ends with its acknowledgement.
        alert.state, alert.resolved_at = "resolved", now
        alert.resolved_reason = "Back within limits; acknowledged"
        await emit(db, alert, "alert.resolved", session)
    elif alert.kind == SAFETY:
        # An answer has no condition that could clear later: the note of what was done ends it.
        alert.state, alert.resolved_at = "resolved", now
        alert.resolved_reason = f"Acknowledged with a note: {note}"
        await emit(db, alert, "alert.resolved", session)
    await db.commit()
    return AlertOut.of(alert, session, acknowledged_by_name=by.display_name)
