"""Escalations that leave the room (docs/escalation.md).

An escalated high alert of a site with a webhook is written to the `escalation_notice` outbox in
the escalating transaction; the dispatcher, a task of its own beside the alert timers, claims the
due notices, sends them with no transaction open, and records each outcome, retrying failures with
backoff. A restart loses nothing: a notice is in the table until delivered or given up, and one
claimed by a process that died is claimed again when its lease ends (at least once: the payload's
`id` lets a receiver drop a repeat).
"""

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import anyio
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.models import Alert, EscalationNotice
from app.alerts.webhook import TIMEOUT_SECONDS, Delivery, Notifier
from app.audit.service import audit_entry, chain_audit
from app.config import Settings
from app.db import Writes, utcnow
from app.events import lock_journal
from app.sessions.models import InfusionSession
from app.sites.models import Site

logger = logging.getLogger(__name__)

# Who the audit log names for the sends: no person pressed anything.
NOTIFIER = "escalation-webhook"
# 8 attempts with the default 5 s first retry: 5, 10, 20 s ... capped at 5 min, ~10 min in all.
MAX_ATTEMPTS = 8
MAX_RETRY_SECONDS = 300.0
# How long a claimed notice is left to the process sending it before another may try.
LEASE = timedelta(seconds=TIMEOUT_SECONDS + 20)
BATCH = 20


def initials(full_name: str) -> str:
    """'Jane van Doe' -> 'J.V.D.': enough with the chair to find the patient in the room."""
    return "".join(f"{word[0].upper()}." for word in full_name.split() if word)


def payload_of(
    notice_id: uuid.UUID, alert: Alert, session: InfusionSession, site: Site
) -> dict[str, Any]:
    """What the receiver is told: the minimum a responder needs to go to the right chair
    (docs/escalation.md says why no name, MRN or birth date)."""
    return {
        "id": str(notice_id),
        "event": "alert.escalated",
        "alert_id": str(alert.id),
        "session_id": str(alert.session_id),
        "site": site.name,
        "chair": session.location,
        "patient_initials": initials(session.patient.full_name),
        "priority": alert.priority,
        "message": alert.message,
        "raised_at": alert.raised_at.isoformat(),
        "escalated_at": alert.escalated_at.isoformat() if alert.escalated_at else None,
    }


def queue_notices(
    db: Session,
    alerts: Sequence[Alert],
    sessions: Mapping[uuid.UUID, InfusionSession],
    now: datetime,
) -> None:
    """In the escalating transaction: one notice per alert whose site has a webhook."""
    wanted = {sessions[a.session_id].site_id for a in alerts}
    if not wanted:
        return
    sites = {
        s.id: s
        for s in db.scalars(
            select(Site).where(Site.id.in_(wanted), Site.escalation_webhook_url.is_not(None))
        )
    }
    for alert in alerts:
        session = sessions[alert.session_id]
        site = sites.get(session.site_id)
        if site is None:
            continue
        notice_id = uuid.uuid4()
        db.add(
            EscalationNotice(
                id=notice_id,
                alert_id=alert.id,
                site_id=site.id,
                payload=payload_of(notice_id, alert, session, site),
                created_at=now,
                attempts=0,
                next_attempt_at=now,
            )
        )


def retry_delay(attempts: int, first: float) -> float:
    """Seconds before the next attempt after `attempts` failed ones: doubling, capped."""
    return float(min(first * 2 ** (attempts - 1), MAX_RETRY_SECONDS))


@dataclass(frozen=True, slots=True)
class Claim:
    notice_id: uuid.UUID
    alert_id: uuid.UUID
    url: str | None  # None: the site's webhook was removed since it escalated
    payload: dict[str, Any]
    attempt: int


def claim_due(db: Session, *, limit: int) -> list[Claim]:
    """Take up to `limit` due notices for one attempt each, and commit. Skips rows another
    process has locked (PostgreSQL), so several workers never claim the same one."""
    now = utcnow()
    rows = db.execute(
        select(EscalationNotice, Site.escalation_webhook_url)
        .join(Site, Site.id == EscalationNotice.site_id)
        .where(EscalationNotice.next_attempt_at <= now)
        .order_by(EscalationNotice.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=EscalationNotice)
    ).all()
    claims = []
    for notice, url in rows:
        notice.attempts += 1
        notice.next_attempt_at = now + LEASE
        claims.append(Claim(notice.id, notice.alert_id, url, notice.payload, notice.attempts))
    db.commit()
    return claims


def record_outcomes(
    db: Session, outcomes: Sequence[tuple[Claim, Delivery]], *, retry_seconds: float
) -> None:
    """Each attempt's outcome on its notice and in the audit log, in one transaction."""
    lock_journal(db)  # before the notice rows: the lock order of alerts.service
    now = utcnow()
    entries = []
    for claim, delivery in outcomes:
        notice = db.get(EscalationNotice, claim.notice_id)
        if notice is None:
            continue
        final = delivery.ok or claim.url is None or claim.attempt >= MAX_ATTEMPTS
        if delivery.ok:
            notice.delivered_at, notice.next_attempt_at, notice.last_error = now, None, None
        elif final:
            notice.gave_up_at, notice.next_attempt_at = now, None
            notice.last_error = delivery.error
        else:
            notice.next_attempt_at = now + timedelta(
                seconds=retry_delay(claim.attempt, retry_seconds)
            )
            notice.last_error = delivery.error
        entries.append(
            audit_entry(
                action="alert.notify",
                user=None,
                username=NOTIFIER,
                target_type="alert",
                target_id=claim.alert_id,
                outcome="success" if delivery.ok else "failure",
                details={
                    "notice_id": str(claim.notice_id),
                    "attempt": claim.attempt,
                    # The host, not the URL: its path or query may hold the receiver's token.
                    "host": urlsplit(claim.url).hostname if claim.url else None,
                    "status": delivery.status,
                    "error": delivery.error,
                    "gave_up": final and not delivery.ok,
                },
            )
        )
        if final and not delivery.ok:
            logger.warning(
                "escalation notice %s gave up after %d attempts: %s",
                claim.notice_id,
                claim.attempt,
                delivery.error,
            )
    if entries:
        chain_audit(db, entries)
    db.commit()


class Dispatcher:
    """Sends the outbox, every timer interval, apart from the timer loop: a receiver that
    hangs for its whole timeout delays only the notices sent with it."""

    def __init__(self, writes: Writes, settings: Settings, notifier: Notifier) -> None:
        self._writes, self._settings, self._notifier = writes, settings, notifier

    async def run(self) -> None:
        while True:
            try:
                await self.deliver_due()
            except Exception:
                # A database hiccup must not end the sending for good.
                logger.exception("escalation dispatch failed; retrying next interval")
            await anyio.sleep(self._settings.timer_interval_seconds)

    async def deliver_due(self) -> int:
        """One round: claim, send concurrently, record. Returns how many were attempted."""
        claims = await self._writes(partial(claim_due, limit=BATCH))
        outcomes: list[tuple[Claim, Delivery]] = []

        async def attempt(claim: Claim) -> None:
            if claim.url is None:
                delivery = Delivery(False, error="the site no longer has an escalation webhook")
            else:
                delivery = await self._notifier.send(claim.url, claim.payload)
            outcomes.append((claim, delivery))

        async with anyio.create_task_group() as tg:
            for claim in claims:
                tg.start_soon(attempt, claim)
        if outcomes:
            await self._writes(
                partial(
                    record_outcomes,
                    outcomes=outcomes,
                    retry_seconds=self._settings.escalation_retry_seconds,
                )
            )
        return len(claims)
