import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class SideEffect(Base):
    """A side effect as it began; how it went on is in `side_effect_outcome` (append-only)."""

    __tablename__ = "side_effect"
    __table_args__ = (Index("ix_side_effect_session_onset", "session_id", "onset_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("infusion_session.id"))
    kind: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(12))
    onset_at: Mapped[datetime] = mapped_column(UTCDateTime)
    intervention: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))


class SideEffectOutcome(Base):
    __tablename__ = "side_effect_outcome"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    side_effect_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("side_effect.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))


class PrnDose(Base):
    """A rescue (PRN) medicine given during the session."""

    __tablename__ = "prn_dose"
    __table_args__ = (Index("ix_prn_dose_session_given", "session_id", "given_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("infusion_session.id"))
    drug: Mapped[str] = mapped_column(String(64))
    dose: Mapped[float]
    unit: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(8))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    indication: Mapped[str] = mapped_column(Text)
    side_effect_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("side_effect.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))


class Assessment(Base):
    """One CADSS-6, MOASS or RASS assessment; CADSS-6 keeps its item scores."""

    __tablename__ = "assessment"
    __table_args__ = (Index("ix_assessment_session_taken", "session_id", "taken_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("infusion_session.id"))
    scale: Mapped[str] = mapped_column(String(8))
    score: Mapped[int]
    items: Mapped[dict[str, int] | None] = mapped_column(JSON)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
