import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow
from app.protocols import models as _protocols  # noqa: F401  (protocol.code, a foreign key)


class TreatmentCourse(Base):
    """A patient's series of infusions, whose outcome the scales measure."""

    __tablename__ = "treatment_course"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    indication: Mapped[str] = mapped_column(String(32))
    # Protocol codes never change (app/protocols), so the course names its protocol by code.
    protocol: Mapped[str] = mapped_column(String(32), ForeignKey("protocol.code"))
    planned_sessions: Mapped[int]
    started_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))


class QuestionnaireResponse(Base):
    """One completed scale, append-only. Taken at a visit: it belongs to one session of the
    course, which is also where a safety alert it raises is shown."""

    __tablename__ = "questionnaire_response"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("treatment_course.id"), index=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("infusion_session.id"), index=True)
    scale: Mapped[str] = mapped_column(String(8))
    answers: Mapped[list[int]] = mapped_column(JSON)
    # Derived from the answers by scales.score when stored; kept for exports and sorting.
    total: Mapped[int]
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "staff" (entered by `entered_by`) or "patient" (on the tablet, through a link `entered_by`
    # opened).
    source: Mapped[str] = mapped_column(String(8))
    entered_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alert.id"))


class QuestionnaireLink(Base):
    """A capability for patient mode: it lets its holder submit the scales named, for one
    session, once, before it expires, and nothing else. Only an HMAC of the token is kept."""

    __tablename__ = "questionnaire_link"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("treatment_course.id"))
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("infusion_session.id"), index=True)
    scales: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
