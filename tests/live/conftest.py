"""A real uvicorn server on a loopback port, websocket clients and helpers for the live tests."""

import asyncio
import json
import socket
import threading
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.auth.schemas import UserCreate
from app.auth.service import create_user
from app.config import Settings
from app.db import Database
from app.events import Event
from app.main import create_app
from tests.clinic import seed_site
from tests.conftest import PASSWORD
from tests.factories import put_reading, session

DEADLINE = 20.0
ROLES = ("nurse", "physician", "admin")


def listening_socket(send_buffer: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer:
        # Accepted connections inherit it: lets a test make a non-reading client back up fast.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind(("127.0.0.1", 0))
    return sock


def wait_until(check: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


async def eventually(
    check: Callable[[], Awaitable[bool]], what: str, deadline: float = DEADLINE
) -> None:
    end = time.monotonic() + deadline
    while not await check():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class ThreadServer:
    """uvicorn serving create_app(settings) from its own thread and event loop."""

    def __init__(self, settings: Settings, send_buffer: int | None = None) -> None:
        self.sock = listening_socket(send_buffer)
        self.port: int = self.sock.getsockname()[1]
        self.app = create_app(settings)
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def start(self) -> None:
        self.thread.start()
        wait_until(lambda: self.server.started, "the server to start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(DEADLINE)
        self.sock.close()
        assert not self.thread.is_alive(), "the server thread did not stop"


async def add_users(database_url: str) -> dict[str, uuid.UUID]:
    database = Database(database_url)
    try:
        ids = {}
        for role in ROLES:
            async with database.session() as db:
                data = {"username": role, "display_name": role.title(), "role": role}
                user = await create_user(
                    db, data=UserCreate.model_validate(data | {"password": PASSWORD}), by=None
                )
                ids[role] = user.id
                await seed_site(db, [user.id])
        return ids
    finally:
        await database.dispose()


async def public_seqs_after(database_url: str, seq: int) -> list[int]:
    database = Database(database_url)
    try:
        async with database.read_session() as db:
            rows = await db.scalars(
                select(Event.seq)
                .where(Event.seq > seq, Event.type.not_like("auth.%"))
                .order_by(Event.seq)
            )
            return list(rows.all())
    finally:
        await database.dispose()


@dataclass
class Live:
    """One running server and everything a test needs to talk to it."""

    port: int
    database_url: str
    ids: dict[str, uuid.UUID]
    stack: AsyncExitStack
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, since: int | None = None) -> str:
        query = f"?since={since}" if since is not None else ""
        return f"ws://127.0.0.1:{self.port}/api/live{query}"

    async def client(self, username: str) -> httpx.AsyncClient:
        client = await self.stack.enter_async_context(httpx.AsyncClient(base_url=self.base))
        if username not in self.tokens:
            answer = await client.post(
                "/api/auth/token", data={"username": username, "password": PASSWORD}
            )
            assert answer.status_code == 200, answer.text
            self.tokens[username] = answer.json()["access_token"]
        client.headers["Authorization"] = f"Bearer {self.tokens[username]}"
        return client

    async def socket(self, since: int | None = None, **options: Any) -> ClientConnection:
        """A websocket, not yet authenticated."""
        return await self.stack.enter_async_context(connect(self.ws_url(since), **options))

    async def stream(
        self, username: str = "physician", since: int | None = None, **options: Any
    ) -> ClientConnection:
        """An authenticated websocket (bearer token in the first message)."""
        if username not in self.tokens:
            await self.client(username)
        ws = await self.socket(since, **options)
        await ws.send(json.dumps({"type": "auth", "token": self.tokens[username]}))
        return ws


def unbatched(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages of a frame: several events that were ready together come as one `batch`."""
    if message["type"] == "batch":
        inner: list[dict[str, Any]] = message["messages"]
        assert inner and inner[-1]["seq"] == message["seq"], message
        return inner
    return [message]


# Messages of a batch frame already read but not yet handed out, per socket.
_pending: "weakref.WeakKeyDictionary[ClientConnection, list[dict[str, Any]]]" = (
    weakref.WeakKeyDictionary()
)


async def receive_frame(ws: ClientConnection) -> list[dict[str, Any]]:
    return unbatched(json.loads(await asyncio.wait_for(ws.recv(), DEADLINE)))


async def receive(ws: ClientConnection, *, skip_pings: bool = True) -> dict[str, Any]:
    """The next message, one at a time even when they came in one `batch` frame."""
    pending = _pending.setdefault(ws, [])
    while True:
        if not pending:
            pending.extend(await receive_frame(ws))
        message = pending.pop(0)
        if not (skip_pings and message["type"] == "ping"):
            return message


async def events(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    received = []
    while len(received) < count:
        message = await receive(ws)
        assert message["type"] == "event", message
        received.append(message)
    return received


async def closed_with(ws: ClientConnection) -> tuple[int, str, list[dict[str, Any]]]:
    """Read until the server closes: its close code and reason, and what came before."""
    before = _pending.pop(ws, [])
    try:
        while True:
            before.extend(await receive_frame(ws))
    except ConnectionClosed as closed:
        frame = closed.rcvd
    assert frame is not None, "closed without a close frame"
    return frame.code, frame.reason, before


async def write_readings(
    client: httpx.AsyncClient, session_id: str, count: int, **values: Any
) -> list[str]:
    ids = []
    for _ in range(count):
        reading_id = str(uuid.uuid4())
        answer = await put_reading(client, session_id, reading_id, **values)
        assert answer.status_code == 201, answer.text
        ids.append(reading_id)
    return ids


async def new_session(client: httpx.AsyncClient) -> str:
    return str((await session(client))["id"])


StartLive = Callable[..., Awaitable[Live]]


@pytest.fixture
def live_settings(database_url: str, tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "env": "test",
            "database_url": database_url,
            "frontend_dist": tmp_path / "no-frontend",
            "live_auth_timeout_seconds": 1.0,
        }
        return Settings(**(values | overrides))

    return make


@pytest.fixture
async def start_live(
    live_settings: Callable[..., Settings], database_url: str
) -> AsyncIterator[StartLive]:
    """Start a server with these settings; stopped (with its clients) when the test ends."""
    servers: list[ThreadServer] = []
    ids = await add_users(database_url)
    async with AsyncExitStack() as stack:

        async def start(send_buffer: int | None = None, **overrides: Any) -> Live:
            server = ThreadServer(live_settings(**overrides), send_buffer)
            server.start()
            servers.append(server)
            return Live(server.port, database_url, ids, stack)

        try:
            yield start
        finally:
            await stack.aclose()
            for server in servers:
                await asyncio.to_thread(server.stop)


@pytest.fixture
def postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
