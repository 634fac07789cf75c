"""Database engines, sessions, the declarative Base and the UTC datetime type."""

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import anyio
from sqlalchemy import DateTime, MetaData, event, make_url
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
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


def _sqlite_listeners(engine: Engine, *, write: bool) -> None:
    event.listen(engine, "connect", _sqlite_pragmas)

    # A deferred SQLite transaction that reads and then writes fails at once with "database is
    # locked" when another writer got there first; taking the write lock up front makes writers
    # queue on busy_timeout instead. Read-only work (exports, replays) uses the deferred engine.
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    event.listen(engine, "begin", _begin)


def create_engine(url: str, *, write: bool = True) -> AsyncEngine:
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    engine = create_async_engine(url, connect_args={"timeout": 30})
    _sqlite_listeners(engine.sync_engine, write=write)
    return engine


class VigilSession(Session):
    """Collects the events written in a transaction and hands them on only after it commits."""


# Work an after-commit hook started off the event loop, which it must not block (the audit
# anchor's fsync, audit/anchor.py), and which the commit's caller awaits before the commit
# counts as done. Only an `AsyncSession` made here awaits it, so a hook only hands work off in
# one of those (`SETTLES` in its info); anywhere else it does the work where it is.
SETTLES = "settles_after_commit"
AFTER_COMMIT_WAITS = "after_commit_waits"


async def settled(session: AsyncSession) -> None:
    """Awaits what the last commit's hooks handed off."""
    for waiting in session.sync_session.info.pop(AFTER_COMMIT_WAITS, []):
        await waiting


class SettlingSession(AsyncSession):
    """An `AsyncSession` whose commit returns once its hooks' handed-off work is done."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sync_session.info[SETTLES] = True

    async def commit(self) -> None:
        await super().commit()
        await settled(self)


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
            self.engine,
            class_=SettlingSession,
            expire_on_commit=False,
            sync_session_class=VigilSession,
            info=self.hooks,
        )
        self.read_session = async_sessionmaker(
            self.read_engine, class_=SettlingSession, expire_on_commit=False
        )

    def on_commit(self, hook: Callable[[list[Any]], None]) -> None:
        self.hooks["after_commit"] = hook

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()

    async def sessions(self) -> AsyncIterator[AsyncSession]:
        async with self.session() as db:
            yield db


T = TypeVar("T")


class WriterThread:
    """One thread of its own with a synchronous engine (the standard library's sqlite3 through
    SQLAlchemy) for SQLite's frequent writes: a piece of work costs the caller's loop one
    hand-over each way, however many statements it runs, and one thread takes the write lock in
    turn for all of them. Its commits' events go to `database`'s hook on the caller's loop."""

    def __init__(self, database: Database) -> None:
        self._home = asyncio.get_running_loop()
        self._forward_to = database.hooks
        url = make_url(database.url).set(drivername="sqlite")
        # The thread is the engine's only user; the check would only trip on disposal.
        self.engine = sa_create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}
        )
        _sqlite_listeners(self.engine, write=True)
        self._sessions = sessionmaker(
            self.engine,
            class_=VigilSession,
            expire_on_commit=False,
            info={"after_commit": self._forward},
        )
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigil-sqlite-writer")

    def _forward(self, events: list[Any]) -> None:
        hook = self._forward_to.get("after_commit")
        if hook is not None:
            self._home.call_soon_threadsafe(hook, events)

    def _in_session(self, work: Callable[[Session], T]) -> T:
        with self._sessions() as session:
            return work(session)

    async def run(self, work: Callable[[Session], T]) -> T:
        return await asyncio.wrap_future(self._thread.submit(self._in_session, work))

    async def close(self) -> None:
        # Also on the way out of a cancelled task: the engine is closed in its own thread.
        with anyio.CancelScope(shield=True):
            await asyncio.wrap_future(self._thread.submit(self.engine.dispose))
            await anyio.to_thread.run_sync(self._thread.shutdown)


class Writes(Protocol):
    """Runs `work(session)`, a synchronous piece of write work that commits its own
    transaction, where the frequent writes run, and returns what it returns."""

    async def __call__(self, work: Callable[[Session], T]) -> T: ...


@asynccontextmanager
async def frequent_writes(database: Database) -> AsyncIterator[Writes]:
    """Where the frequent writes (reading batches, alert timer ticks) run. They are written
    once, synchronously, against a `Session`. PostgreSQL: on this loop, through
    `AsyncSession.run_sync` (asyncpg costs no thread hops). SQLite: on a `WriterThread`,
    where each statement costs microseconds instead of several of aiosqlite's hand-overs to
    its thread and back (bench/README.md), and batches and ticks take the write lock in
    turn instead of meeting in SQLite's busy-handler back-off."""
    if database.is_postgres:

        async def here(work: Callable[[Session], T]) -> T:
            async with database.session() as db:
                done = await db.run_sync(work)
                await settled(db)  # `work` committed inside run_sync
                return done

        yield here
    else:
        thread = WriterThread(database)
        try:
            yield thread.run
        finally:
            await thread.close()
