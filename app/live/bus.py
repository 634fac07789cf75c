"""The live event bus: committed events fanned out to every websocket client of this process.

Shaped like encode/broadcaster (`publish`, `async with bus.subscribe() as sub`, `async for message
in sub`), but every subscriber has a bounded queue: a subscriber that falls behind is marked
overflowed and dropped, and the publisher never waits.

The events table is the source of truth; a notification only says "look" (and up to which seq,
so a process does not read back its own commits). Embedded SQLite feeds
the bus from `Database.on_commit`; PostgreSQL from one LISTEN connection per process. Either way
the bus publishes every event after the last one it published, read from the table in `seq`
order, so a notification lost to a dropped connection or delivered late loses nothing.
"""

import asyncio
import json
import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from app.events import NOTIFY_CHANNEL, Event, last_seq

log = logging.getLogger(__name__)

BATCH = 500
# Named so operators (and the tests) can find the listener in pg_stat_activity.
LISTENER_NAME = "vigil-live"
RETRY_MIN_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0


# Login events steer the stream; they are never shown to clients.
PRIVATE_PREFIX = "auth."
# Published events kept in memory for clients that resume (`Bus.recent_after`), a few KB each:
# enough for a reconnect storm under heavy load, hours at a clinic's pace (docs/reliability.md).
RECENT = 8000


@dataclass(frozen=True, slots=True)
class Message:
    seq: int
    type: str
    data: dict[str, Any]  # what the server itself reads: kept for private events only
    text: str  # the wire form, serialised once and shared by every subscriber
    session_id: uuid.UUID | None = None  # whose site may see it (live/stream.py filters)
    # An event of no session names its site and, if not everyone's, the roles it is for.
    site_id: uuid.UUID | None = None
    roles: frozenset[str] | None = None


def _site_of(data: dict[str, Any]) -> uuid.UUID | None:
    site = data.get("site_id")
    return uuid.UUID(site) if isinstance(site, str) else None


def _roles_of(data: dict[str, Any]) -> frozenset[str] | None:
    roles = data.get("roles")
    return frozenset(roles) if isinstance(roles, list) else None


def to_message(event: Event) -> Message:
    wire = {
        "type": "event",
        "seq": event.seq,
        "event": event.type,
        "session_id": str(event.session_id) if event.session_id else None,
        "data": event.data,
    }
    data = event.data if event.type.startswith(PRIVATE_PREFIX) else {}
    wire_text = json.dumps(wire, separators=(",", ":"))
    return Message(
        event.seq,
        event.type,
        data,
        wire_text,
        event.session_id,
        _site_of(event.data),
        _roles_of(event.data),
    )


def frame(messages: Sequence[Message]) -> str:
    """One websocket frame for events that are ready together: a lone event as itself, several
    as one `batch`, so a busy clinic costs each client one send per wake-up, not per event."""
    if len(messages) == 1:
        return messages[0].text
    inner = ",".join(m.text for m in messages)
    return f'{{"type":"batch","seq":{messages[-1].seq},"messages":[{inner}]}}'


async def events_after(
    db: AsyncSession, seq: int, *, limit: int, exclude_prefix: str | None = None
) -> list[Event]:
    query = select(Event).where(Event.seq > seq).order_by(Event.seq).limit(limit)
    if exclude_prefix:
        query = query.where(Event.type.not_like(f"{exclude_prefix}%"))
    return list((await db.scalars(query)).all())


class Subscription:
    def __init__(self, size: int) -> None:
        self._queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=size)
        self.overflowed = asyncio.Event()
        # Called once, when the queue overflows: a callback rather than a task per subscriber
        # waiting on `overflowed` (a thousand idle dashboards, a thousand idle tasks).
        self.on_overflow: Callable[[], None] = lambda: None

    def put(self, message: Message) -> None:
        if self.overflowed.is_set():
            return
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed.set()
            self.on_overflow()

    def drain(self) -> list[Message]:
        """Whatever else is queued, without waiting."""
        ready = []
        while not self._queue.empty():
            ready.append(self._queue.get_nowait())
        return ready

    def __aiter__(self) -> "Subscription":
        return self

    async def __anext__(self) -> Message:
        return await self._queue.get()


class Bus:
    def __init__(self, *, queue_size: int, last: int, recent: int = RECENT) -> None:
        self.queue_size = queue_size
        self.last = last  # seq of the last event published
        self._subscribers: set[Subscription] = set()
        self._dirty = asyncio.Event()
        self._recent: deque[Message] = deque(maxlen=recent)
        # Every event published after this seq is in `_recent`.
        self._recent_after = last

    def publish(self, messages: Iterable[Message]) -> None:
        for message in messages:
            if message.seq <= self.last:
                continue
            self.last = message.seq
            if len(self._recent) == self._recent.maxlen:
                self._recent_after = self._recent[0].seq
            self._recent.append(message)
            for subscriber in self._subscribers:
                subscriber.put(message)

    def recent_after(self, seq: int) -> list[Message] | None:
        """Every event published after `seq`, from memory: the same objects the live clients
        got, so a hundred dashboards resuming at once after a Wi-Fi drop cost no queries and no
        copies. None when some of them may no longer be held (then the table has them)."""
        if seq < self._recent_after:
            return None
        newer: list[Message] = []
        for message in reversed(self._recent):
            if message.seq <= seq:
                break
            newer.append(message)
        newer.reverse()
        return newer

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        subscription = Subscription(self.queue_size)
        self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    def wake(self) -> None:
        """Something was committed: read the table after `last` soon."""
        self._dirty.set()

    def notified(self, payload: str) -> None:
        """A PostgreSQL notification of a commit whose last event is `payload`'s seq (anything
        else: unknown). This process's own commits are mostly published by `committed` before
        their notification arrives, and then there is nothing to read."""
        if not payload.isdigit() or int(payload) > self.last:
            self.wake()

    def committed(self, events: list[Event]) -> None:
        """Database.on_commit hook. The events in hand are published at once when they follow
        on from the last one; otherwise another commit's hook has not run yet (or another
        process wrote), and the table says what came between."""
        if events and events[0].seq == self.last + 1:
            self.publish(to_message(e) for e in events)
        else:
            self.wake()

    async def pump(self, database: Database) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                await self._catch_up(database)
            except (DBAPIError, OSError) as exc:
                log.warning("live bus cannot read the events table (%s); retrying", exc)
                self._dirty.set()
                await anyio.sleep(RETRY_MIN_SECONDS)

    async def _catch_up(self, database: Database) -> None:
        while True:
            async with database.read_session() as db:
                events = await events_after(db, self.last, limit=BATCH)
            self.publish(to_message(e) for e in events)
            if len(events) < BATCH:
                return


async def listen(bus: Bus, database: Database, *, keepalive_seconds: float) -> None:
    """Keep one LISTEN connection open, reconnecting with backoff, and wake the bus on every
    notification of events it has not published and after every (re)connection, which catches
    up on what was missed."""
    dsn = database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    delay = RETRY_MIN_SECONDS
    while True:
        try:
            conn = await asyncpg.connect(
                dsn, timeout=keepalive_seconds, server_settings={"application_name": LISTENER_NAME}
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("live bus cannot connect to PostgreSQL (%s); retry in %.1fs", exc, delay)
        else:
            delay = RETRY_MIN_SECONDS
            try:
                await _listen_on(conn, bus, keepalive_seconds)
                log.warning("live bus lost its PostgreSQL connection; reconnecting")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("live bus PostgreSQL connection failed (%s); reconnecting", exc)
            finally:
                conn.terminate()
        await anyio.sleep(delay)
        delay = min(delay * 2, RETRY_MAX_SECONDS)


async def _listen_on(conn: Any, bus: Bus, keepalive_seconds: float) -> None:
    """Returns when the connection is lost."""
    lost = asyncio.Event()
    conn.add_termination_listener(lambda _conn: lost.set())
    await conn.add_listener(
        NOTIFY_CHANNEL, lambda _conn, _pid, _channel, payload: bus.notified(payload)
    )
    bus.wake()
    # The termination listener sees a closed socket; the periodic query sees a silent one.
    while not lost.is_set():
        with anyio.move_on_after(keepalive_seconds):
            await lost.wait()
            return
        with anyio.fail_after(keepalive_seconds):
            await conn.execute("SELECT 1")


@asynccontextmanager
async def running_bus(
    database: Database, *, queue_size: int, keepalive_seconds: float
) -> AsyncIterator[Bus]:
    """The bus of this process, fed until the block exits (the app's lifespan)."""
    async with database.read_session() as db:
        bus = Bus(queue_size=queue_size, last=await last_seq(db))
    async with anyio.create_task_group() as tg:
        tg.start_soon(bus.pump, database)
        if database.is_postgres:
            tg.start_soon(lambda: listen(bus, database, keepalive_seconds=keepalive_seconds))
        else:
            database.on_commit(bus.committed)
        try:
            yield bus
        finally:
            tg.cancel_scope.cancel()
