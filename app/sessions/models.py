import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.patients.models import Patient
from app.protocols import models as _protocols  # noqa: F401  (protocol.code, a foreign key)
from app.sessions.phases import ACTIVE

ACTIVE_SQL = "phase IN (" + ", ".join(f"'{phase}'" for phase in ACTIVE) + ")"


class InfusionSession(Base):
    __tablename__ = "infusion_session"
    __table_args__ = (
        # One active session per chair, also against two nurses opening one at the same moment.
        Index(
            "uq_infusion_session_active_chair",
            "chair_id",
            unique=True,
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    # The site is the chair's (chairs never move); kept on the session so lists, exports and the
    # live stream filter by site without a join.
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"), index=True)
    chair_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("chair.id"))
    # The chair's name when the session was opened: the record says where it took place even
    # after the chair is renamed.
    location: Mapped[str] = mapped_column(String(64))
    drug: Mapped[str] = mapped_column(String(64))
    weight_kg: Mapped[float]
    # Weight-based protocols: mg/kg, and dose_mg = weight × mg/kg. Fixed-dose ones: dose_mg only.
    dose_mg_per_kg: Mapped[float | None]
    dose_mg: Mapped[float]
    devices: Mapped[int | None]
    planned_minutes: Mapped[int]
    # Protocol codes never change (an admin edits a protocol under its code).
    protocol: Mapped[str] = mapped_column(String(32), ForeignKey("protocol.code"), index=True)
    # The protocol's rules as they were when the session was created (ProtocolRules as JSON).
    protocol_rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    phase: Mapped[str] = mapped_column(String(16), index=True)
    phase_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    identity_checked: Mapped[bool] = mapped_column(default=False)
    consent_signed: Mapped[bool] = mapped_column(default=False)
    fasting_confirmed: Mapped[bool] = mapped_column(default=False)
    escort_confirmed: Mapped[bool] = mapped_column(default=False)
    # Set by the first pre-infusion reading, or moved by a nurse to a better one.
    baseline_reading_id: Mapped[uuid.UUID | None] = mapped_column()
    infusion_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    infusion_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recovery_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    aldrete: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The REMS evaluation question, answered at discharge: without the 2-hour minimum, how many
    # minutes from the start of dosing until the patient was ready to leave.
    ready_to_leave_minutes: Mapped[int | None] = mapped_column()
    # The treatment course this infusion is part of (app/courses), if any.
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("treatment_course.id"), index=True
    )
    # The pump log folded (app.infusion's InfusionTile), kept with the session so every tile
    # shows it without a query; the log itself is `infusion_event`.
    infusion: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    patient: Mapped[Patient] = relationship(lazy="raise")


class PhaseChange(Base):
    __tablename__ = "phase_change"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("infusion_session.id"), index=True)
    from_phase: Mapped[str | None] = mapped_column(String(16))
    to_phase: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    override: Mapped[bool] = mapped_column(default=False)


class Note(Base):
    """Clinical events besides readings: notes, side effects, PRN medications, dose changes."""

    __tablename__ = "session_note"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("infusion_session.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
