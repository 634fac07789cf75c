"""Fixtures shared by every test: a migrated database per test (SQLite and PostgreSQL), the app,
and logged-in clients for each role."""

import asyncio
import json
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.alerts.rules import DEFAULT_RULES, rule_to_dict
from app.config import Settings
from app.main import create_app
from app.migrate import upgrade
from app.protocols.rules import DEFAULT_PROTOCOLS

PG_URL = os.environ.get("VIGIL_TEST_POSTGRES_URL", "")
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "vigil.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of our own, migrated once; tests empty its tables afterwards."""
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("VIGIL_TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI")
        pytest.skip("VIGIL_TEST_POSTGRES_URL not set")
    name = f"vigil_test_{uuid.uuid4().hex[:8]}"
    admin_url = PG_URL
    asyncio.run(_pg_admin(admin_url, f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    asyncio.run(_pg_admin(admin_url, f'DROP DATABASE "{name}" WITH (FORCE)'))


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _truncate(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        names = ", ".join(f'"{t["tablename"]}"' for t in tables)
        await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        # Put back what the migrations seed, as a fresh database would have it.
        await conn.execute(
            "INSERT INTO site (id, name, position, created_at) VALUES ($1, 'Main site', 0, now())",
            uuid.uuid4(),
        )
        await conn.executemany(
            "INSERT INTO alert_rule (code, definition, updated_at) VALUES ($1, $2, now())",
            [(rule.code, json.dumps(rule_to_dict(rule))) for rule in DEFAULT_RULES],
        )
        await conn.executemany(
            "INSERT INTO protocol (id, code, name, rules, active, updated_at) "
            "VALUES ($1, $2, $3, $4, true, now())",
            [
                (uuid.uuid4(), code, name, rules.model_dump_json())
                for code, (name, rules) in DEFAULT_PROTOCOLS.items()
            ],
        )
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "vigil.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")
        yield url
        asyncio.run(_truncate(url))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        frontend_dist=tmp_path / "no-frontend",
        timer_interval_seconds=0.2,
        audit_key_file=tmp_path / "audit-keys.json",
        mfa_key_file=tmp_path / "mfa-keys.json",
        audit_anchor_file=tmp_path / "audit-anchors.jsonl",
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def anon(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://vigil.test") as client:
        yield client


@dataclass
class Staff:
    nurse: httpx.AsyncClient
    physician: httpx.AsyncClient
    admin: httpx.AsyncClient
    ids: dict[str, uuid.UUID]


@pytest.fixture(scope="session")
def password_hash() -> str:
    # Argon2 is slow on purpose; hashing once keeps a few hundred tests quick.
    from app.auth.service import hash_password

    return hash_password(PASSWORD)


async def create_user(app: Any, username: str, role: str, password_hash: str) -> uuid.UUID:
    """A user inserted directly (the HTTP user API has its own tests), working at the test site."""
    from app.auth.models import User
    from tests.clinic import seed_site

    async with app.state.database.session() as db:
        user = User(
            username=username, display_name=username.title(), role=role, password_hash=password_hash
        )
        db.add(user)
        await db.flush()
        await seed_site(db, [user.id])
        return user.id


async def bearer_client(app: Any, user_id: uuid.UUID) -> httpx.AsyncClient:
    from app.auth.models import User
    from app.auth.service import start_login

    async with app.state.database.session() as db:
        user = await db.get(User, user_id)
        assert user is not None
        token = await start_login(
            db, user=user, kind="bearer", settings=app.state.settings, client_addr="127.0.0.1"
        )
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
    client = httpx.AsyncClient(transport=transport, base_url="http://vigil.test")
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture
async def staff(app: Any, password_hash: str) -> AsyncIterator[Staff]:
    roles = ("nurse", "physician", "admin")
    ids = {role: await create_user(app, role, role, password_hash) for role in roles}
    clients = [await bearer_client(app, ids[role]) for role in roles]
    yield Staff(*clients, ids=ids)
    for client in clients:
        await client.aclose()
