"""PostgreSQL fan-out: several worker processes, and a LISTEN connection that is cut."""

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import asyncpg
import httpx
import pytest

from app.live.bus import LISTENER_NAME
from app.migrate import upgrade
from tests.conftest import PG_URL
from tests.live.conftest import (
    DEADLINE,
    Live,
    StartLive,
    add_users,
    events,
    eventually,
    listening_socket,
    new_session,
    public_seqs_after,
    receive,
    wait_until,
    write_readings,
)

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg", "postgresql")


async def listener_pids(admin: asyncpg.Connection, database: str) -> list[int]:
    rows = await admin.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
        database,
        LISTENER_NAME,
    )
    return [row["pid"] for row in rows]


async def test_listener_reconnects_and_catches_up(
    postgres_only: None, start_live: StartLive
) -> None:
    live = await start_live(heartbeat_seconds=600)
    nurse = await live.client("nurse")
    session_id = await new_session(nurse)
    ws = await live.stream()
    snapshot = await receive(ws)
    name = live.database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(plain(PG_URL))
    try:
        pids: list[int] = []

        async def one_listener() -> bool:
            pids[:] = await listener_pids(admin, name)
            return len(pids) == 1

        await eventually(one_listener, "the LISTEN connection")
        [old] = pids
        # Keep the listener out while readings are written: their NOTIFYs reach nobody, so
        # only the catch-up after reconnecting can deliver them.
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", old)
            written = await write_readings(nurse, session_id, 10)
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        received = await events(ws, 10)
        assert [e["data"]["reading"]["id"] for e in received] == written
        assert [e["seq"] for e in received] == await public_seqs_after(
            live.database_url, snapshot["seq"]
        )
        await eventually(one_listener, "the listener to reconnect")
        assert pids != [old]
    finally:
        await admin.close()


@pytest.fixture
async def fresh_database(postgres_only: None) -> AsyncIterator[str]:
    name = f"vigil_live_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(plain(PG_URL))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def process_serving(pids: list[int], server_port: int, client_port: int) -> int:
    """Which process holds the server end of the TCP connection from client_port."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if int(local.rsplit(":", 1)[1], 16) == server_port and (
                int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                inode = fields[9]
    assert inode is not None, "no such connection"
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError("no worker holds the connection")


@pytest.fixture
def two_workers(fresh_database: str, tmp_path: Path) -> Iterator[tuple[int, int]]:
    """`vigil serve --workers 2` on the fresh database: its port and the supervisor's pid.
    Stopped after the test."""
    sock = listening_socket()
    port: int = sock.getsockname()[1]
    sock.close()
    env = os.environ | {
        "VIGIL_DATABASE_URL": fresh_database,
        "VIGIL_ENV": "test",
        "VIGIL_FRONTEND_DIST": str(tmp_path / "no-frontend"),
        "VIGIL_LOG_LEVEL": "WARNING",
    }
    vigil = Path(sys.executable).parent / "vigil"
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(vigil), "serve", "--workers", "2", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def ready() -> bool:
        assert server.poll() is None, log.read_text()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(ready, "vigil serve --workers 2", deadline=60)
        yield port, server.pid
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


async def test_two_workers_each_deliver_every_event(
    fresh_database: str, two_workers: tuple[int, int]
) -> None:
    port, supervisor = two_workers
    workers = children(supervisor)
    ids = await add_users(fresh_database)
    async with AsyncExitStack() as stack:
        live = Live(port, fresh_database, ids, stack)
        clients, served_by, start = [], set(), 0
        while len(served_by) < 2:
            assert len(clients) < 40, "every connection went to one worker"
            ws = await live.stream()
            snapshot = await receive(ws)
            start = max(start, snapshot["seq"])
            clients.append(ws)
            served_by.add(process_serving(workers, port, ws.local_address[1]))

        nurse = await live.client("nurse")
        session_id = await new_session(nurse)
        await write_readings(nurse, session_id, 10)
        expected = await public_seqs_after(fresh_database, start)
        assert len(expected) >= 11
        for ws in clients:
            assert [e["seq"] for e in await events(ws, len(expected))] == expected
