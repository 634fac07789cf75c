import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Screening(Base):
    """One screening form as filled in; a later one for the session supersedes it (kept)."""

    __tablename__ = "screening"
    __table_args__ = (Index("ix_screening_session_at", "session_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("infusion_session.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    medicines: Mapped[list[str]] = mapped_column(JSON)
    bp_history: Mapped[str | None] = mapped_column(Text)
    allergies: Mapped[str | None] = mapped_column(Text)
    other_medicines: Mapped[str | None] = mapped_column(Text)
    last_food_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escort_name: Mapped[str] = mapped_column(String(120))
    escort_phone: Mapped[str] = mapped_column(String(40))
    hard_stops: Mapped[list[str]] = mapped_column(JSON)
    cautions: Mapped[list[str]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    override_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
