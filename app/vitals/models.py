import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Reading(Base):
    """One set of vitals. Never updated or deleted: corrections are new rows (see ReadingError).

    A nurse's reading holds the four vitals she must enter; a monitor's (`source` "device")
    holds what the monitor sent, which may be only some of them (`vitals.codes.missing_vitals`
    is the rule, checked by the plan)."""

    __tablename__ = "reading"
    __table_args__ = (
        # In the order of a session's latest reading (`read.latest_of`): a backward walk stops at
        # the first current one instead of sorting all the session's readings.
        Index("ix_reading_session_taken_recorded", "session_id", "taken_at", "recorded_at"),
        # Date-range exports page through readings by (taken_at, id).
        Index("ix_reading_taken_id", "taken_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the tablet's UUID
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("infusion_session.id"))
    # Hash of the client's body, so a replay can be told from a different reading with the same id.
    body_hash: Mapped[str] = mapped_column(String(64))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    phase: Mapped[str] = mapped_column(String(16))
    # "manual" (a nurse typed it) | "device" (a bedside monitor sent it, `device_id`).
    source: Mapped[str] = mapped_column(String(8), default="manual", server_default="manual")
    device_id: Mapped[str | None] = mapped_column(String(64))
    heart_rate: Mapped[int | None]
    systolic: Mapped[int | None]
    diastolic: Mapped[int | None]
    spo2: Mapped[int | None]
    respiratory_rate: Mapped[int | None]
    temperature_c: Mapped[float | None]
    on_oxygen: Mapped[bool | None]
    consciousness: Mapped[str | None] = mapped_column(String(1))
    sedation_rass: Mapped[int | None]
    dissociation_cadss6: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    # Set on a late entry: a reading entered after its session ended, with the reason.
    late_reason: Mapped[str | None] = mapped_column(Text)
    amends: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reading.id"), index=True)
    amend_reason: Mapped[str | None] = mapped_column(Text)


class ReadingError(Base):
    """Marks a reading as entered in error; the reading itself stays as it was."""

    __tablename__ = "reading_error"

    reading_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reading.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))


class ReadingValidation(Base):
    """A nurse's check of a monitor's reading: she saw the patient and the values agree. Device
    readings raise alerts at once but count for the charting cadence only once validated; a
    reading she rejects is marked entered in error (ReadingError) with her reason instead."""

    __tablename__ = "reading_validation"

    reading_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reading.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
