"""The controlled-substance log of a site: its containers and their append-only entries."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Container(Base):
    """One vial as received. Its description never changes; what it holds is in its entries."""

    __tablename__ = "controlled_container"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # The DEA registration is per site (21 CFR 1301.12), so every log is a site's.
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    drug: Mapped[str] = mapped_column(String(64))
    ndc: Mapped[str] = mapped_column(String(16))
    concentration_mg_per_ml: Mapped[float]
    volume_ml: Mapped[float]
    lot: Mapped[str] = mapped_column(String(64))
    expiry: Mapped[date] = mapped_column(Date)
    supplier: Mapped[str] = mapped_column(String(200))
    invoice: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoleSetting(Base):
    """The clinic's choice of who may do one act of the log (ledger.ROLES when absent)."""

    __tablename__ = "controlled_role"

    act: Mapped[str] = mapped_column(String(16), primary_key=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))


class LogEntry(Base):
    """One fact of the log: received, drawn, wasted, counted, resolved. Never updated or deleted;
    a correction is a new entry naming the one it replaces. Each site's entries form a chain:
    an entry's HMAC covers its content and the hash of the site's entry before it."""

    __tablename__ = "controlled_entry"
    __table_args__ = (Index("ix_controlled_entry_site_id_id", "site_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    container_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("controlled_container.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    witness_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("infusion_session.id"), index=True
    )
    # The amount the entry is about, in mL (mg follow from the container's concentration):
    # received, drawn or wasted; for a count, what was counted.
    amount_ml: Mapped[float]
    # For a count: the balance the log computed when it was counted.
    expected_ml: Mapped[float | None]
    # The entry this one is about: the draw a waste is of, the count a resolution settles,
    # the entry a correction replaces.
    refers_to: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("controlled_entry.id")
    )
    period: Mapped[str | None] = mapped_column(String(8))
    # A loss's cause (ledger.LossCause); a destruction's second witness (DEA Form 41 needs two).
    cause: Mapped[str | None] = mapped_column(String(16))
    second_witness_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    hash: Mapped[str] = mapped_column(String(64))
