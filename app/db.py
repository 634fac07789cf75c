"""Database engines, sessions, the declarative Base and the UTC datetime type."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored in UTC; SQLite returns naive values, UTC by construction."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module's own transaction handling is switched off so that "begin" below decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; FULL makes an acknowledged reading survive power loss.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_engine(url: str, *, write: bool = True) -> AsyncEngine:
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    engine = create_async_engine(url, connect_args={"timeout": 30})
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)

    # A deferred SQLite transaction that reads and then writes fails at once with "database is
    # locked" when another writer got there first; taking the write lock up front makes writers
    # queue on busy_timeout instead. Read-only work (exports, replays) uses the deferred engine.
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    event.listen(engine.sync_engine, "begin", _begin)
    return engine


class VigilSession(Session):
    """Collects the events written in a transaction and hands them on only after it commits."""


def _after_commit(session: Session) -> None:
    pending = session.info.pop("pending_events", None)
    hook = session.info.get("after_commit")
    if pending and hook is not None:
        hook(pending)


def _after_rollback(session: Session) -> None:
    session.info.pop("pending_events", None)


event.listen(VigilSession, "after_commit", _after_commit)
event.listen(VigilSession, "after_soft_rollback", lambda session, _tx: _after_rollback(session))


class Database:
    """The engines and session factories of one process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_postgres = url.startswith("postgresql")
        self.engine = create_engine(url)
        self.read_engine = self.engine if self.is_postgres else create_engine(url, write=False)
        # Called with the committed events of each transaction (the live bus sets it).
        self.hooks: dict[str, Callable[[list[Any]], None]] = {}
        self.session = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=VigilSession, info=self.hooks
        )
        self.read_session = async_sessionmaker(self.read_engine, expire_on_commit=False)

    def on_commit(self, hook: Callable[[list[Any]], None]) -> None:
        self.hooks["after_commit"] = hook

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()

    async def sessions(self) -> AsyncIterator[AsyncSession]:
        async with self.session() as db:
            yield db
