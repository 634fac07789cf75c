"""Crash durability: while a tablet posts readings (retrying each by id until a 2xx), the server
process is killed with SIGKILL at random moments, ten times, and restarted each time. Afterwards
every acknowledged reading is stored exactly once, and so is every reading that needed retries:
checked through the API and straight in the database (reading rows and reading.created events)."""

import asyncio
import os
import random

import httpx
import pytest

from tests.reliability.support import Outbox, assert_exactly_once, open_session, summary

pytestmark = pytest.mark.anyio

KILLS = 10


async def test_sigkill_loses_and_doubles_nothing(server, server_db):
    seed = int(os.environ.get("VIGIL_CRASH_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    token = await asyncio.to_thread(server.token, "nurse")
    outbox = Outbox(server.base_url, token, await open_session(server.base_url, token))
    writer = asyncio.create_task(outbox.run())
    kills_mid_write = 0
    for _ in range(KILLS):
        # A random moment: after a few acknowledged readings and a random pause.
        await outbox.acknowledged_more(rng.randint(1, 8), writer)
        await asyncio.sleep(rng.uniform(0, 0.05))
        before = len(outbox.retried)
        server.kill()
        await asyncio.to_thread(server.start)  # the tablet keeps retrying meanwhile
        kills_mid_write += len(outbox.retried) > before
    # A few readings against the last server, then stop (the reading in flight completes).
    await outbox.acknowledged_more(3, writer)
    outbox.stop.set()
    await writer
    print(
        f"crash[{server_db.split(':')[0]}] seed={seed}",
        summary(outbox, kills=KILLS, starts=server.starts, kills_with_retries=kills_mid_write),
    )
    assert server.starts == KILLS + 1
    assert len(outbox.acknowledged) >= KILLS
    assert outbox.retried, "no kill interrupted a request: the test proved nothing"
    await assert_exactly_once(outbox, server_db)
    # The hash-chained audit log survived the kills intact.
    admin = await asyncio.to_thread(server.token, "admin")
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        verify = await client.get("/api/audit/verify", headers={"Authorization": f"Bearer {admin}"})
    assert verify.status_code == 200 and verify.json()["ok"] is True, verify.text
