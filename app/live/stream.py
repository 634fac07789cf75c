"""One live websocket: authenticate, snapshot or replay, then live events (DESIGN §4).

The seam between the table and the bus: the connection subscribes *before* it reads the snapshot
or the replay, so every event committed after that read is already queued; queued events with a
`seq` at or below the last one sent are dropped. Nothing is missed, nothing is sent twice.
"""

import json
import logging
import uuid
from contextlib import suppress
from dataclasses import dataclass

import anyio
from sqlalchemy.exc import DBAPIError
from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect

from app.alerts.service import list_alerts
from app.auth.logins import check_login
from app.auth.models import User
from app.auth.service import token_digest
from app.config import Settings
from app.db import Database
from app.deps import COOKIE_NAME, origin_allowed
from app.events import last_seq
from app.live.bus import (
    BATCH,
    PRIVATE_PREFIX,
    Bus,
    Subscription,
    frame,
    messages_after,
)
from app.live.bus import Message as BusMessage
from app.sessions.service import list_sessions
from app.sites.service import site_ids_of

log = logging.getLogger(__name__)

POLICY = 1008
TOO_SLOW = 1013
# How long a close frame may wait behind unread data before the peer is abandoned.
CLOSE_GRACE_SECONDS = 10.0
SIGN_IN_AGAIN = "session ended; sign in again"
# Events in one `batch` frame at most: ~2 KB each keeps a frame well under the 1 MiB that
# websocket clients accept by default.
FRAME_EVENTS = 100


@dataclass(frozen=True, slots=True)
class Login:
    user_id: uuid.UUID
    token: str


def dumps(message: dict[str, object]) -> str:
    return json.dumps(message, separators=(",", ":"))


async def login_of(
    database: Database, token: str, settings: Settings, *, touch: bool
) -> Login | None:
    found = await check_login(database, token_digest(token, settings), settings, touch=touch)
    return Login(found[0].id, token) if found else None


async def close(websocket: WebSocket, code: int, reason: str) -> None:
    # A client that left meanwhile needs no reason: its absence is not an error. Nor does one
    # whose own close frame uvicorn answered first: closing again is then refused with a
    # RuntimeError, as a send is (`LiveConnection._send`).
    with suppress(WebSocketDisconnect, RuntimeError):
        await websocket.close(code, reason)


async def refuse(websocket: WebSocket, reason: str) -> None:
    # Accepted only to carry code and reason: a browser cannot read a refused handshake.
    await websocket.accept()
    await close(websocket, POLICY, reason)


def token_in(text: str | None) -> str | None:
    try:
        message = json.loads(text or "")
    except ValueError:
        return None
    if isinstance(message, dict) and message.get("type") == "auth":
        token = message.get("token")
        return token if isinstance(token, str) and token else None
    return None


async def authenticate(
    websocket: WebSocket, database: Database, settings: Settings
) -> Login | None:
    """The caller's login, the socket accepted; or None, the socket closed with 1008."""
    cookie = websocket.cookies.get(COOKIE_NAME)
    if cookie is not None:
        # Origin first: a cross-site page must not even refresh the victim's login.
        if not origin_allowed(websocket, settings):
            await refuse(websocket, "origin not allowed")
            return None
        login = await login_of(database, cookie, settings, touch=True)
        if login is None:
            await refuse(websocket, SIGN_IN_AGAIN)
            return None
        await websocket.accept()
        return login
    await websocket.accept()
    first: Message = {"type": "timeout"}
    with anyio.move_on_after(settings.live_auth_timeout_seconds):
        first = await websocket.receive()
    if first["type"] == "websocket.disconnect":
        return None
    token = token_in(first.get("text"))
    if token is None:
        await close(websocket, POLICY, 'send {"type":"auth","token":...} first')
        return None
    login = await login_of(database, token, settings, touch=True)
    if login is None:
        await close(websocket, POLICY, SIGN_IN_AGAIN)
    return login


class LiveConnection:
    def __init__(
        self, websocket: WebSocket, *, database: Database, settings: Settings, login: Login
    ) -> None:
        self.websocket = websocket
        self.database = database
        self.settings = settings
        self.login = login
        self.last = 0  # seq of the last event written to the socket
        self.close_code: int | None = None
        self.close_reason = ""
        # fast_acquire: an uncontended send does not first yield to the loop, once per frame.
        self._send_lock = anyio.Lock(fast_acquire=True)
        self._started = anyio.Event()  # the snapshot or the resume marker is out
        self._scope = anyio.CancelScope()
        # The sites this login may see (None: every site): the bus brings it only their events.
        self._sites: set[uuid.UUID] | None = set()
        self._role = ""

    async def run(self, bus: Bus, since: int | None) -> None:
        async with self.database.read_session() as db:
            user = await db.get(User, self.login.user_id)
            if user is not None:
                self._sites, self._role = await site_ids_of(db, user), user.role
        if user is None:
            await close(self.websocket, POLICY, "signed out: the user no longer exists")
            return
        async with bus.subscribe(self._sites) as subscription:
            subscription.on_overflow = lambda: self.end(TOO_SLOW)
            try:
                async with anyio.create_task_group() as tg:
                    self._scope = tg.cancel_scope
                    tg.start_soon(self._receive)
                    tg.start_soon(self._stream, bus, subscription, since)
                    tg.start_soon(self._heartbeat)
            except* WebSocketDisconnect:
                self.close_code = None  # the peer went away: nobody to tell
        if self.close_code is not None:
            reason = self.close_reason
            if self.close_code == TOO_SLOW:
                # Worked out only now: a send may have completed while the close was decided.
                reason = f"too slow; reconnect with since={self.last}"
            with anyio.move_on_after(CLOSE_GRACE_SECONDS):
                await close(self.websocket, self.close_code, reason)

    def end(self, code: int, reason: str = "") -> None:
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
        self._scope.cancel()

    async def _send(self, text: str) -> None:
        async with self._send_lock:
            try:
                await self.websocket.send_text(text)
            except RuntimeError as exc:
                # uvicorn answered the peer's close frame before our reader saw it: the socket
                # is closed, which is a disconnect, not an error.
                raise WebSocketDisconnect(1006) from exc

    def _for_me(self, m: BusMessage) -> bool:
        """Of its sites (the bus already sees to that live) and, for an event addressed to
        some roles at a site, of its role."""
        return (m.roles is None or self._role in m.roles) and m.visible_to(self._sites)

    async def _send_events(self, shown: list[BusMessage], *, seen: int) -> None:
        """Send `shown`, then count everything up to `seq` `seen` as sent: events of other
        sites, which this client never gets, so a resume starts after them."""
        for start in range(0, len(shown), FRAME_EVENTS):
            chunk = shown[start : start + FRAME_EVENTS]
            await self._send(frame(chunk))
            self.last = chunk[-1].seq
        self.last = max(self.last, seen)

    async def _receive(self) -> None:
        # Clients have nothing more to say; this loop notices when they leave.
        while (await self.websocket.receive())["type"] != "websocket.disconnect":
            pass
        self._scope.cancel()

    async def _stream(self, bus: Bus, subscription: Subscription, since: int | None) -> None:
        # Checked again once subscribed: a revocation committed since authentication would
        # otherwise slip between the check and the subscription.
        if not await self._login_valid():
            self.end(POLICY, SIGN_IN_AGAIN)
            return
        if since is None:
            await self._snapshot()
            self._started.set()
        else:
            await self._send(dumps({"type": "resumed", "seq": since}))
            self.last = since
            self._started.set()
            await self._replay(bus)
        async for first in subscription:
            public = []
            for message in [first, *subscription.drain()]:
                if not message.type.startswith(PRIVATE_PREFIX):
                    if message.seq > self.last and self._for_me(message):
                        public.append(message)
                elif message.type == "auth.revoked" and message.data.get("user_id") == str(
                    self.login.user_id
                ):
                    self.end(POLICY, "signed out: this login was revoked")
                    return
            # Once it has had all the bus holds for it, it has seen all the bus published.
            await self._send_events(public, seen=bus.last if subscription.idle() else 0)

    async def _snapshot(self) -> None:
        async with self.database.read_session() as db:
            if self.database.is_postgres:
                # One snapshot for the seq and the rows, or a change could be counted twice.
                await db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            seq = await last_seq(db)
            user = await db.get(User, self.login.user_id)
            if user is None:
                self.end(POLICY, "signed out: the user no longer exists")
                return
            sessions = await list_sessions(
                db, active=True, site_id=None, by=user, settings=self.settings
            )
            alerts = await list_alerts(db, state="open", session_id=None, site_ids=self._sites)
        data = {
            "sessions": [s.model_dump(mode="json") for s in sessions],
            "alerts": [a.model_dump(mode="json") for a in alerts],
        }
        await self._send(dumps({"type": "snapshot", "seq": seq, "data": data}))
        self.last = seq
        access = getattr(self.websocket.app.state, "access", None)
        if access is not None:
            records = [("session", str(s.id)) for s in sessions]
            await access.saw(self.login.user_id, records, view="live snapshot")

    async def _replay(self, bus: Bus) -> None:
        """Events after `self.last`: from the bus's memory once it holds all of them, from the
        table a page at a time until then."""
        while True:
            recent = bus.recent_after(self.last)
            if recent is not None:
                messages = [m for m in recent if not m.type.startswith(PRIVATE_PREFIX)]
            else:
                async with self.database.read_session() as db:
                    messages = await messages_after(
                        db, self.last, limit=BATCH, exclude_prefix=PRIVATE_PREFIX
                    )
            await self._send_events(
                [m for m in messages if self._for_me(m)],
                seen=messages[-1].seq if messages else 0,
            )
            if recent is not None or len(messages) < BATCH:
                return

    async def _heartbeat(self) -> None:
        interval = self.settings.heartbeat_seconds
        await self._started.wait()  # a ping's seq means nothing before then
        while True:
            await anyio.sleep(interval)
            if not await self._login_valid():
                self.end(POLICY, SIGN_IN_AGAIN)
                return
            with anyio.move_on_after(interval) as scope:
                await self._send(dumps({"type": "ping", "seq": self.last}))
            if scope.cancelled_caught:
                # Not even a ping got out in a whole interval: a dead or stalled peer.
                self.end(TOO_SLOW)
                return

    async def _login_valid(self) -> bool:
        try:
            login = await login_of(self.database, self.login.token, self.settings, touch=False)
        except (DBAPIError, OSError) as exc:
            # No database, no events either: keep the socket rather than drop every client.
            log.warning("live: cannot re-check a login (%s)", exc)
            return True
        return login is not None
