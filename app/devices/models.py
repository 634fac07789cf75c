import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Device(Base):
    """A bedside monitor the clinic has registered, and the chair it stands at."""

    __tablename__ = "device"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # OBX-18 / MSH-3 identity
    label: Mapped[str] = mapped_column(String(64))
    # The chair it stands at (one monitor per chair): its messages without a known MRN go to
    # that chair's active session.
    chair_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("chair.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeviceMessage(Base):
    """Every PCD-01 message accepted from a monitor, with the ACK it was answered with: the same
    MSH-10 again is answered with the same ACK and changes nothing. A message no session could
    be found for is held here (`unmatched`) until a nurse assigns it to a session or discards
    it, with a reason; nothing is dropped or guessed."""

    __tablename__ = "device_message"
    __table_args__ = (
        UniqueConstraint("device_id", "control_id"),
        Index("ix_device_message_state", "state", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    device_id: Mapped[str] = mapped_column(String(64))
    control_id: Mapped[str] = mapped_column(String(64))  # MSH-10
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source_addr: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)  # the message as received (it holds PHI)
    # charted | unmatched | not_charted | assigned | discarded
    state: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("infusion_session.id"))
    ack: Mapped[str] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    resolve_reason: Mapped[str | None] = mapped_column(Text)
