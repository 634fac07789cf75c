"""The `event` table: the session timeline and the source of the live stream.

Every state change writes one row in the same transaction as the change. `seq` is global and
increasing, and commits happen in `seq` order (see `record_event`), so a client that has seen
`seq` N has seen everything before it.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base, UTCDateTime, utcnow

NOTIFY_CHANNEL = "vigil_events"
# One PostgreSQL advisory lock serialises the tail of every writing transaction (event and audit
# rows), so commit order equals seq order and the audit hash chain never forks.
JOURNAL_LOCK = 0x56_49_47_49_4C  # "VIGIL"


class Event(Base):
    __tablename__ = "event"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    type: Mapped[str] = mapped_column(String(40))
    session_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


def is_postgres(db: AsyncSession | Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


_LOCKED = "journal_locked"  # in Session.info: the transaction that holds the journal lock


def lock_journal(session: Session) -> None:
    """Take the journal lock for the rest of the transaction. A reading batch asks for it three
    times (before reading its state, for the audit rows, for the event rows); it is held until
    the transaction ends, so only the first asks PostgreSQL (a round trip each)."""
    if not is_postgres(session):
        return
    held_by = session.info.get(_LOCKED)
    if held_by is not None and held_by is session.get_transaction():
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": JOURNAL_LOCK})
    # A lock taken in a savepoint goes when the savepoint is rolled back: not remembered.
    if not session.in_nested_transaction():
        session.info[_LOCKED] = session.get_transaction()


async def take_journal_lock(db: AsyncSession) -> None:
    await db.run_sync(lock_journal)


# A Core insert: the rows are written once and never changed, so the unit of work's per-object
# bookkeeping (most of a reading batch's cost when it did this) buys nothing.
_TABLE = Event.__table__
_INSERT = insert(_TABLE).returning(_TABLE.c.seq, sort_by_parameter_order=True)  # type: ignore[arg-type]


def write_events(session: Session, events: Sequence[Event]) -> None:
    """Write event rows, in order, and give each its `seq`; on PostgreSQL also NOTIFY, which is
    delivered only if we commit. The listeners read the table after their last seq, so one
    notification will do. The events stay transient: the commit hook hands them to the bus."""
    lock_journal(session)
    now = utcnow()
    for e in events:
        e.occurred_at = e.occurred_at or now
    rows = [
        {"type": e.type, "session_id": e.session_id, "occurred_at": e.occurred_at, "data": e.data}
        for e in events
    ]
    for e, seq in zip(events, session.execute(_INSERT, rows).scalars(), strict=True):
        e.seq = seq
    session.info.setdefault("pending_events", []).extend(events)
    if is_postgres(session) and events:
        # The payload is the last seq written: a listener that has published it (this process's
        # own commit, handed over by the commit hook) has nothing to read.
        last = str(events[-1].seq)
        session.execute(text("SELECT pg_notify(:c, :p)"), {"c": NOTIFY_CHANNEL, "p": last})


async def record_events(db: AsyncSession, events: Sequence[Event]) -> None:
    await db.run_sync(write_events, events)


async def record_event(
    db: AsyncSession, *, type: str, session_id: uuid.UUID | None, data: dict[str, Any]
) -> Event:
    event = Event(type=type, session_id=session_id, data=data)
    await record_events(db, [event])
    return event


async def last_seq(db: AsyncSession) -> int:
    return (await db.scalar(select(func.max(Event.seq)))) or 0
