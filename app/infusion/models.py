import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class InfusionOrder(Base):
    """What hangs on the pump: the bag, its rate, who prepared it and who checked it."""

    __tablename__ = "infusion_order"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("infusion_session.id"), primary_key=True
    )
    drug: Mapped[str] = mapped_column(String(64))
    concentration_mg_per_ml: Mapped[float]
    lot: Mapped[str] = mapped_column(String(64))
    expiry: Mapped[date] = mapped_column(Date)
    dose_mg_per_kg: Mapped[float]
    planned_dose_mg: Mapped[float]
    rate_mg_per_kg_h: Mapped[float]
    rate_ml_per_h: Mapped[float]
    prepared_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_ml_per_h: Mapped[float | None]


class InfusionEvent(Base):
    """One entry of the pump log: start, pause, resume, rate change, bolus, stop. Append-only."""

    __tablename__ = "infusion_event"
    __table_args__ = (Index("ix_infusion_event_session_at", "session_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("infusion_session.id"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    rate_mg_per_kg_h: Mapped[float | None]
    rate_ml_per_h: Mapped[float | None]
    bolus_mg: Mapped[float | None]
    note: Mapped[str | None] = mapped_column(Text)
