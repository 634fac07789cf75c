"""Reliability fixtures: a real `vigil serve` process on a loopback port, over a database of its
own (a SQLite file, or a throwaway PostgreSQL database), with staff users seeded directly."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.migrate import upgrade
from tests.clinic import seed_site
from tests.conftest import PASSWORD, PG_URL

# The console script of this virtualenv: signals reach the server itself, not a `uv` wrapper.
VIGIL = str(Path(sys.executable).with_name("vigil"))
ROLES = ("nurse", "physician", "admin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg", "postgresql")


async def pg_execute(url: str, *sql: str) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(pg_dsn(url))
    try:
        return [await conn.fetch(statement) for statement in sql]
    finally:
        await conn.close()


async def _insert_users(url: str, password_hash: str) -> dict[str, uuid.UUID]:
    from app.auth.models import User
    from app.db import Database

    database = Database(url)
    try:
        async with database.session() as db:
            users = {
                role: User(
                    username=role,
                    display_name=role.title(),
                    role=role,
                    password_hash=password_hash,
                )
                for role in (*ROLES, "victim")
            }
            users["victim"].role = "nurse"
            db.add_all(users.values())
            await db.flush()
            await seed_site(db, [user.id for user in users.values()])
            return {role: user.id for role, user in users.items()}
    finally:
        await database.dispose()


class VigilServer:
    """`vigil serve` as a child process; the same port across restarts."""

    def __init__(self, database_url: str, workdir: Path, **env: str) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        self.env = {
            **os.environ,
            "VIGIL_ENV": "test",
            "VIGIL_DATABASE_URL": database_url,
            "VIGIL_FRONTEND_DIST": str(workdir / "no-frontend"),
            "VIGIL_LOG_LEVEL": "WARNING",
            # Every client here is 127.0.0.1, and the fuzzer fails sign-ins on purpose.
            "VIGIL_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
            "VIGIL_AUDIT_ANCHOR_FILE": str(workdir / "audit-anchors.jsonl"),
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.proc is None
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [VIGIL, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        self.starts += 1
        self.wait_ready()

    def wait_ready(self) -> None:
        """Bounded: up to ~60 s for migrations and start-up."""
        for _ in range(600):
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"vigil serve exited early:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"vigil serve did not come up:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no goodbye."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.proc = None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def token(self, username: str) -> str:
        answer = httpx.post(
            f"{self.base_url}/api/auth/token",
            data={"username": username, "password": PASSWORD},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database for one server: a SQLite file or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'vigil.db'}"
        upgrade(url)
        yield url
        return
    yield from _pg_throwaway()


@pytest.fixture
def pg_server_db() -> Iterator[str]:
    yield from _pg_throwaway()


def _pg_throwaway() -> Iterator[str]:
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("VIGIL_TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI")
        pytest.skip("VIGIL_TEST_POSTGRES_URL not set")
    name = f"vigil_rel_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_execute(PG_URL, f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(
            pg_execute(
                PG_URL,
                f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true',
                f'DROP DATABASE "{name}" WITH (FORCE)',
            )
        )


@pytest.fixture
def user_ids(server_db: str, password_hash: str) -> dict[str, uuid.UUID]:
    return asyncio.run(_insert_users(server_db, password_hash))


@pytest.fixture
def server(server_db: str, user_ids: dict[str, uuid.UUID], tmp_path: Path) -> Iterator[VigilServer]:
    srv = VigilServer(server_db, tmp_path)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
        print(f"--- server log tail ({srv.log_path}) ---\n{srv.log_tail(15)}")
