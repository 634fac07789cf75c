import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Alert(Base):
    __tablename__ = "alert"
    __table_args__ = (
        # One open alert per (session, rule): repeated breaches update it instead of stacking.
        Index(
            "uq_alert_open_rule",
            "session_id",
            "rule",
            unique=True,
            sqlite_where=text("state != 'resolved'"),
            postgresql_where=text("state != 'resolved'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("infusion_session.id"), index=True)
    rule: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), index=True)
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None]
    limit: Mapped[float | None]
    worst_value: Mapped[float | None]
    count: Mapped[int] = mapped_column(default=1)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    ack_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_reason: Mapped[str | None] = mapped_column(Text)
    # A high alert whose condition cleared stays open (latched) until acknowledged.
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated: Mapped[bool] = mapped_column(default=False)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Indexed: a replay, a correction and every export page look alerts up by reading.
    first_reading_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reading.id"), index=True)
    last_reading_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reading.id"), index=True)


class AlertRule(Base):
    """A clinic default (patient_id NULL) or a per-patient override of the rule with that code."""

    __tablename__ = "alert_rule"
    __table_args__ = (
        Index(
            "uq_alert_rule_clinic_code",
            "code",
            unique=True,
            sqlite_where=text("patient_id IS NULL"),
            postgresql_where=text("patient_id IS NULL"),
        ),
        Index("uq_alert_rule_patient_code", "patient_id", "code", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32))
    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patient.id"))
    definition: Mapped[dict[str, object]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    # Why the last change made alarms less sensitive (required for that), and since when the
    # rule is switched off: every dashboard shows "SpO₂ low alarm OFF since 14:02 (by …, …)".
    reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EscalationNotice(Base):
    """An escalated high alert waiting to leave the room (docs/escalation.md): an outbox row,
    written in the escalating transaction, sent and retried by `notify.Dispatcher`, so a restart
    between the two loses nothing."""

    __tablename__ = "escalation_notice"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alert.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    # What is sent, fixed when it escalated: a retry an hour later says what was true then.
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    # Due for its next attempt; while an attempt is in flight, when it may be tried again
    # (a lease: a process that died mid-send leaves it to another).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
