"""PostgreSQL outages under load. Vigil answers each request with success (after pool pre-ping
replaced a dead connection) or a 503 saying the database is unreachable — never a 500, never a
hang; /readyz reports the outage; Vigil recovers by itself; the tablet's retries land once."""

import asyncio
import os
import random

import httpx
import pytest

from tests.conftest import PG_URL
from tests.reliability.conftest import VigilServer, pg_execute
from tests.reliability.support import Outbox, assert_exactly_once, open_session, summary

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]

TERMINATIONS = 10


def db_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def terminate(url: str) -> int:
    """End every connection to the test database (the shared server keeps running)."""
    (rows,) = await pg_execute(
        PG_URL,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{db_name(url)}' AND pid <> pg_backend_pid()",
    )
    return len(rows)


async def wait_until(predicate, attempts: int = 300, pause: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    for _ in range(attempts):
        if await predicate():
            return True
        await asyncio.sleep(pause)
    return False


@pytest.fixture
def pg_server(pg_server_db, password_hash, tmp_path):
    from tests.reliability.conftest import _insert_users

    asyncio.run(_insert_users(pg_server_db, password_hash))
    srv = VigilServer(pg_server_db, tmp_path)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
        print(f"--- server log tail ---\n{srv.log_tail(10)}")


async def test_connections_terminated_under_load(pg_server, pg_server_db):
    seed = int(os.environ.get("VIGIL_OUTAGE_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    token = await asyncio.to_thread(pg_server.token, "nurse")
    outbox = Outbox(pg_server.base_url, token, await open_session(pg_server.base_url, token))
    writer = asyncio.create_task(outbox.run())
    killed = 0
    for _ in range(TERMINATIONS):
        await outbox.acknowledged_more(rng.randint(1, 6), writer)
        await asyncio.sleep(rng.uniform(0, 0.02))
        killed += await terminate(pg_server_db)
    await outbox.acknowledged_more(5, writer)
    outbox.stop.set()
    await writer
    print(f"terminate seed={seed}", summary(outbox, backends_terminated=killed))
    assert killed >= TERMINATIONS
    # Only successes and clear 503s: no 500, no timeout, no dropped connection.
    assert set(outbox.answers) <= {"200", "201", "503"}, outbox.answers
    await assert_exactly_once(outbox, pg_server_db)


async def test_database_unreachable_then_back(pg_server, pg_server_db):
    name = db_name(pg_server_db)
    token = await asyncio.to_thread(pg_server.token, "nurse")
    outbox = Outbox(pg_server.base_url, token, await open_session(pg_server.base_url, token))
    async with httpx.AsyncClient(base_url=pg_server.base_url, timeout=20) as probe:

        async def ready() -> bool:
            return (await probe.get("/readyz")).status_code == 200

        assert await ready()
        await pg_execute(PG_URL, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            await terminate(pg_server_db)
            assert (await probe.get("/readyz")).status_code == 503
            assert (await probe.get("/readyz")).json()["database"] == "unreachable"
            assert (await probe.get("/healthz")).status_code == 200  # alive, not ready
            # The tablet keeps trying during the outage; every answer is a clear 503.
            writer = asyncio.create_task(outbox.run(limit=1))
            assert not await wait_until(lambda: _done(writer), attempts=20), outbox.unexpected
            assert outbox.answers.keys() == {"503"}, outbox.answers
            assert not outbox.acknowledged
        finally:
            await pg_execute(PG_URL, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        # Back by itself: ready again, and the reading retried all along lands once.
        assert await wait_until(ready), "Vigil did not recover after the database came back"
        await writer
    print("outage", summary(outbox))
    assert len(outbox.acknowledged) == 1 and outbox.retried
    await assert_exactly_once(outbox, pg_server_db)


async def _done(task: asyncio.Task[None]) -> bool:
    return task.done()
