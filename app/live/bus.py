"""The live event bus: committed events fanned out to every websocket client of this process.

Shaped like encode/broadcaster (`publish`, `async with bus.subscribe() as sub`, `async for message
in sub`), but every subscriber has a bounded queue: a subscriber that falls behind is marked
overflowed and dropped, and the publisher never waits.

The events table is the source of truth; a notification only says "look" (and up to which seq).
A process's own commits feed its bus from `Database.on_commit`; on PostgreSQL one LISTEN
connection per process also hears the other workers' commits (its own are then already
published, and cost no query). Either way the bus publishes every event after the last one it
published, read from the table in `seq` order when the events in hand do not follow on, so a
notification lost to a dropped connection or delivered late loses nothing.

Fan-out is by site: each subscriber is in the bucket of every site it may see (or in the
every-site bucket: admins), and an event of a session goes to its site's bucket and the
every-site bucket only, so a dashboard never even wakes for another site's reading. Events of no
session (rule changes, logins) go to everyone. With several PostgreSQL workers each process
reads the others' events once from the table (the site joined in) and fans out to its own sockets.
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
from app.sessions.models import InfusionSession

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
# Sessions whose site the bus remembers before it starts again: a clinic chain's year.
SITES_KEPT = 100_000


@dataclass(frozen=True, slots=True)
class Message:
    seq: int
    type: str
    data: dict[str, Any]  # what the server itself reads: kept for private events only
    text: str  # the wire form, serialised once and shared by every subscriber
    session_id: uuid.UUID | None = None
    # Whose site it is: a session's (None if unknown: admins only), or for an event of no
    # session the site it names (None: everyone's).
    site_id: uuid.UUID | None = None
    # The roles it is for, if not everyone at the site (live/stream.py checks).
    roles: frozenset[str] | None = None

    def visible_to(self, sites: set[uuid.UUID] | None) -> bool:
        """Whether a subscriber of `sites` (None: every site) gets it."""
        if self.site_id is None:
            return self.session_id is None or sites is None
        return sites is None or self.site_id in sites


def _site_of(data: dict[str, Any]) -> uuid.UUID | None:
    site = data.get("site_id")
    return uuid.UUID(site) if isinstance(site, str) else None


def _roles_of(data: dict[str, Any]) -> frozenset[str] | None:
    roles = data.get("roles")
    return frozenset(roles) if isinstance(roles, list) else None


def to_message(event: Event, site_id: uuid.UUID | None = None) -> Message:
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
        site_id if event.session_id else _site_of(event.data),
        _roles_of(event.data),
    )


def frame(messages: Sequence[Message]) -> str:
    """One websocket frame for events that are ready together: a lone event as itself, several
    as one `batch`, so a busy clinic costs each client one send per wake-up, not per event."""
    if len(messages) == 1:
        return messages[0].text
    inner = ",".join(m.text for m in messages)
    return f'{{"type":"batch","seq":{messages[-1].seq},"messages":[{inner}]}}'


async def messages_after(
    db: AsyncSession, seq: int, *, limit: int, exclude_prefix: str | None = None
) -> list[Message]:
    """The events after `seq` in order, each with its session's site."""
    query = (
        select(Event, InfusionSession.site_id)
        .outerjoin(InfusionSession, InfusionSession.id == Event.session_id)
        .where(Event.seq > seq)
        .order_by(Event.seq)
        .limit(limit)
    )
    if exclude_prefix:
        query = query.where(Event.type.not_like(f"{exclude_prefix}%"))
    return [to_message(event, site_id) for event, site_id in (await db.execute(query)).all()]


class Subscription:
    def __init__(self, size: int, sites: set[uuid.UUID] | None = None) -> None:
        self.sites = sites  # the sites whose events it gets; None: every site
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

    def idle(self) -> bool:
        """Nothing queued and nothing dropped: it has had every event published for it."""
        return self._queue.empty() and not self.overflowed.is_set()

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
        self._every_site: set[Subscription] = set()
        self._by_site: dict[uuid.UUID, set[Subscription]] = {}
        # The site of each session seen (a session never changes site), so that events in hand
        # at a commit are published without a query.
        self._site_of: dict[uuid.UUID, uuid.UUID | None] = {}
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
            for subscriber in self._audience(message):
                subscriber.put(message)

    def _audience(self, message: Message) -> Iterable[Subscription]:
        if message.session_id is None and message.site_id is None:
            return self._subscribers
        if message.session_id is not None and message.session_id not in self._site_of:
            if len(self._site_of) >= SITES_KEPT:
                self._site_of.clear()
            self._site_of[message.session_id] = message.site_id
        site = self._by_site.get(message.site_id) if message.site_id else None
        if not site:
            return self._every_site
        if not self._every_site:
            return site
        return [*site, *self._every_site]

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
    async def subscribe(self, sites: set[uuid.UUID] | None = None) -> AsyncIterator[Subscription]:
        """A subscriber of `sites`' events (None: every site's) and of every event of no
        session."""
        subscription = Subscription(self.queue_size, sites)
        buckets = (
            [self._every_site]
            if sites is None
            else [self._by_site.setdefault(site, set()) for site in sites]
        )
        self._subscribers.add(subscription)
        for bucket in buckets:
            bucket.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)
            for bucket in buckets:
                bucket.discard(subscription)
            for site in sites or ():
                if not self._by_site.get(site, True):
                    del self._by_site[site]

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
        on from the last one and their sessions' sites are known; otherwise another commit's
        hook has not run yet (or another process wrote, or a session is new), and the table
        says what came between."""
        known = self._site_of
        if (
            events
            and events[0].seq == self.last + 1
            and all(e.session_id is None or e.session_id in known for e in events)
        ):
            self.publish(
                to_message(e, known[e.session_id] if e.session_id else None) for e in events
            )
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
                messages = await messages_after(db, self.last, limit=BATCH)
            self.publish(messages)
            if len(messages) < BATCH:
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
        database.on_commit(bus.committed)
        if database.is_postgres:
            tg.start_soon(lambda: listen(bus, database, keepalive_seconds=keepalive_seconds))
        try:
            yield bus
        finally:
            tg.cancel_scope.cancel()
