"""The alert timers (DESIGN §3): overdue readings, monitors gone silent during an infusion
(docs/devices.md), and escalation of unacknowledged high alerts.

One loop per process ticks every `timer_interval_seconds`, each tick one transaction. With
several processes on PostgreSQL the first to take the tick lock does the work and the others
skip that tick; SQLite is one process, and its write lock serialises the rest.
"""

import asyncio
import contextlib
import logging
import uuid
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from app.alerts.models import Alert
from app.alerts.notify import queue_notices
from app.alerts.rule_store import rules_by_patient
from app.alerts.rules import MONITOR_SILENT, Condition, monitor_clear, silent_condition
from app.alerts.service import (
    IS_OPEN,
    OPEN_ALERTS_OF,
    OVERDUE,
    fold_condition,
    load_sessions,
    overdue_change,
    record_change,
)
from app.auth.models import User
from app.config import Settings
from app.db import Writes, utcnow
from app.devices.models import Device
from app.events import is_postgres, lock_journal
from app.sessions.models import InfusionSession
from app.vitals import read

logger = logging.getLogger(__name__)

TICK_LOCK = 0x56_49_47_54_4B  # "VIGTK"; any key distinct from events.JOURNAL_LOCK
# Long enough for a tick on a slow database; a stuck one is cancelled rather than hang shutdown.
STOP_GRACE_SECONDS = 10


def check_overdue(db: Session, *, settings: Settings, now: datetime) -> None:
    """Every session that has readings due, or an overdue alert still open (ended, say)."""
    open_overdue = select(Alert.session_id).where(Alert.rule == OVERDUE, IS_OPEN)
    sessions = (
        db.scalars(
            select(InfusionSession)
            .where(
                InfusionSession.phase.in_(("infusion", "paused", "recovery"))
                | InfusionSession.id.in_(open_overdue)
            )
            .options(selectinload(InfusionSession.patient))
        )
    ).all()
    if not sessions:
        return
    ids = [s.id for s in sessions]
    rules = rules_by_patient(db, {s.patient_id for s in sessions})
    charted_at = read.charting_many(db, read.latest_current_many(db, ids)).charted_at
    # Every open alert, not only the overdue one: a medium/high alert shortens the cadence.
    opened: dict[uuid.UUID, dict[str, Alert]] = {i: {} for i in ids}
    for alert in db.scalars(OPEN_ALERTS_OF, {"ids": ids}):
        opened[alert.session_id][alert.rule] = alert
    for session in sessions:
        change = overdue_change(
            session=session,
            rules=rules[session.patient_id],
            settings=settings,
            now=now,
            charted_at=charted_at.get(session.id),
            opened=opened[session.id],
        )
        if change is not None:
            record_change(db, *change, session)


def check_monitors(db: Session, *, settings: Settings, now: datetime) -> None:
    """Each session in infusion at a chair with a bound monitor: "monitor not reporting" when
    it has been silent `monitor_silent_seconds`, cleared when it reports again; an open one
    whose session left the infusion (or whose monitor was unbound) is resolved."""
    watched = db.execute(
        select(InfusionSession, Device)
        .join(Device, Device.chair_id == InfusionSession.chair_id)
        .where(InfusionSession.phase == "infusion")
        .options(selectinload(InfusionSession.patient))
    ).all()
    opened = {
        a.session_id: a
        for a in db.scalars(select(Alert).where(Alert.rule == MONITOR_SILENT, IS_OPEN))
    }
    decided: list[tuple[InfusionSession, Condition]] = []
    for session, device in watched:
        started = session.phase_started_at
        heard = max(device.last_message_at or started, started)
        label = f"Monitor {device.label} ({device.id})"
        condition = silent_condition(
            label, heard_at=heard, now=now, limit_seconds=settings.monitor_silent_seconds
        )
        decided.append((session, condition))
    unwatched = set(opened) - {s.id for s, _device in watched}
    for session in load_sessions(db, unwatched).values():
        decided.append((session, monitor_clear(f"No longer watched ({session.phase})")))
    for session, condition in decided:
        alert = opened.get(session.id)
        if condition.priority is not None and alert is not None:
            continue  # still silent: the alert stands as raised
        change = fold_condition(
            session_id=session.id,
            condition=condition,
            rule=None,
            reading_id=None,
            now=now,
            alert=alert,
        )
        if change is not None:
            record_change(db, *change, session)


def escalate(db: Session, *, settings: Settings, now: datetime) -> None:
    """High alerts nobody has acknowledged within `escalation_seconds` of being raised (or only
    a nurse has, unless `escalation_stopped_by` is "anyone").

        Counted from `raised_at`: a medium alert that turned high after being open that long
        escalates on the next tick, erring towards the physician seeing it sooner.
    """
    cutoff = now - timedelta(seconds=settings.escalation_seconds)
    unanswered = Alert.state == "active"
    if settings.escalation_stopped_by == "physician":
        # Acknowledged by a nurse: the room knows, the physician must still be told.
        by_nurse = select(User.id).where(User.role != "physician")
        unanswered |= (Alert.state == "acknowledged") & Alert.acknowledged_by.in_(by_nurse)
    due = db.scalars(
        select(Alert).where(
            Alert.priority == "high",
            unanswered,
            Alert.escalated.is_(False),
            Alert.raised_at <= cutoff,
        )
    )
    alerts = due.all()
    sessions = load_sessions(db, [a.session_id for a in alerts])
    for alert in alerts:
        alert.escalated, alert.escalated_at, alert.updated_at = True, now, now
        record_change(db, alert, "alert.escalated", sessions[alert.session_id])
    # In this transaction: escalated and queued to leave the room, or neither.
    queue_notices(db, alerts, sessions, now)


def _claim_tick(db: Session) -> bool:
    if not is_postgres(db):
        # Begins the transaction with BEGIN IMMEDIATE: this process's writer lock, taken now.
        db.connection()
        return True
    return bool(db.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": TICK_LOCK}))


def tick(db: Session, settings: Settings) -> None:
    """One tick in one transaction; run by `frequent_writes` (db.py)."""
    if not _claim_tick(db):
        return
    # Before reading anything: a reading committing meanwhile is then seen, not overwritten
    # by a decision taken on the state before it (see the lock order in alerts.service).
    lock_journal(db)
    # Only once the locks are held: a `now` taken while waiting for another tick to commit
    # would be older than what that tick wrote, and would clear its fresh overdue alert.
    now = utcnow()
    check_overdue(db, settings=settings, now=now)
    check_monitors(db, settings=settings, now=now)
    escalate(db, settings=settings, now=now)
    db.commit()


class AlertTimers:
    """The timer loop of one process. `stop()` lets a running tick finish its transaction."""

    def __init__(self, writes: Writes, settings: Settings) -> None:
        self._writes, self._settings = writes, settings
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="vigil-alert-timers")

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._writes(partial(tick, settings=self._settings))
            except Exception:
                # A database hiccup must not end overdue and escalation checks for good.
                logger.exception("alert timer tick failed; retrying next interval")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._settings.timer_interval_seconds)

    async def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._task, STOP_GRACE_SECONDS)
