import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class RemsSubmission(Base):
    """That a session's REMS Patient Monitoring Form was submitted (by portal or fax)."""

    __tablename__ = "rems_submission"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("infusion_session.id"), primary_key=True
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    reference: Mapped[str | None] = mapped_column(String(120))
