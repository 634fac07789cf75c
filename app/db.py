"""Database engines, sessions, the declarative Base and the UTC datetime type."""

import asyncio
import queue
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol, TypeVar

import aiosqlite
import anyio
from sqlalchemy import DateTime, MetaData, event, make_url
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


class _RunNow(queue.SimpleQueue[tuple[asyncio.Future[Any] | None, Callable[[], Any]]]):
    """Stands in for aiosqlite's queue to its worker thread: each call runs as it is queued."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is None:
                raise
            future.set_exception(exc)
        else:
            if future is not None:
                future.set_result(result)


class InlineSQLite(aiosqlite.Connection):
    """aiosqlite's interface with SQLite called in the caller's own thread.

    Only for an event loop whose thread does nothing else (`SQLiteThread`): there a call that
    blocks (a commit's fsync, a wait for the write lock) holds up nobody, and what is saved is
    aiosqlite's hand-over to its thread and back, several per statement at ~0.1 ms each."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()


async def _inline_sqlite(path: str) -> aiosqlite.Connection:
    # One thread uses it from start to end; the check would only trip on the pool's clean-up.
    return await InlineSQLite(partial(sqlite3.connect, path, timeout=30, check_same_thread=False))


def create_engine(url: str, *, write: bool = True, inline: bool = False) -> AsyncEngine:
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    path = make_url(url).database or ""
    engine = (
        create_async_engine(url, async_creator=partial(_inline_sqlite, path))
        if inline
        else create_async_engine(url, connect_args={"timeout": 30})
    )
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

    def __init__(self, url: str, *, inline: bool = False) -> None:
        self.url = url
        self.is_postgres = url.startswith("postgresql")
        self.engine = create_engine(url, inline=inline)
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


T = TypeVar("T")


class SQLiteThread:
    """An event loop in a thread of its own, with an engine of its own whose SQLite calls run
    in that thread: work handed to it costs the caller's loop one hand-over each way, however
    many statements it runs. Its commits' events go to `database`'s hook on the caller's loop."""

    def __init__(self, database: Database) -> None:
        self._home = asyncio.get_running_loop()
        self._forward_to = database.hooks
        self.database = Database(database.url, inline=True)
        self.database.on_commit(self._forward)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="vigil-sqlite-writer", daemon=True
        )

    def _forward(self, events: list[Any]) -> None:
        hook = self._forward_to.get("after_commit")
        if hook is not None:
            self._home.call_soon_threadsafe(hook, events)

    async def run(self, work: Callable[[Database], Awaitable[T]]) -> T:
        async def on_this_thread() -> T:
            return await work(self.database)

        future = asyncio.run_coroutine_threadsafe(on_this_thread(), self._loop)
        return await asyncio.wrap_future(future)

    async def __aenter__(self) -> "SQLiteThread":
        self._thread.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        # Also on the way out of a cancelled task: the thread's engine is closed in its thread.
        with anyio.CancelScope(shield=True):
            await self.run(lambda database: database.dispose())
            self._loop.call_soon_threadsafe(self._loop.stop)
            await anyio.to_thread.run_sync(self._thread.join)
            self._loop.close()


class Writes(Protocol):
    """Runs a piece of write work, `work(database)`, where the frequent writes run."""

    async def __call__(self, work: Callable[[Database], Awaitable[T]]) -> T: ...


@asynccontextmanager
async def frequent_writes(database: Database) -> AsyncIterator[Writes]:
    """Where the frequent writes (reading batches, alert timer ticks) run. PostgreSQL: on this
    loop, as asyncpg costs no thread hops. SQLite: on a `SQLiteThread`, where one thread takes
    the write lock in turn for all of them instead of their waiting on SQLite's busy-handler
    back-off for each other, and each statement costs microseconds instead of several
    aiosqlite hand-overs (~0.1 ms each here)."""
    if database.is_postgres:

        async def here(work: Callable[[Database], Awaitable[T]]) -> T:
            return await work(database)

        yield here
    else:
        async with SQLiteThread(database) as thread:
            yield thread.run
