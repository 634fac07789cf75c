"""Joining under concurrent writes: the seam between the table (snapshot or replay) and the live
bus has no gap and no duplicate."""

import asyncio
import random

import httpx
import pytest

from tests.live.conftest import (
    StartLive,
    events,
    new_session,
    public_seqs_after,
    receive,
    write_readings,
)

pytestmark = pytest.mark.anyio
ITERATIONS = 20
WRITES = 10


async def write_burst(
    client: httpx.AsyncClient, session_id: str, join_after: int, join: asyncio.Event
) -> None:
    for written in range(WRITES):
        if written == join_after:
            join.set()
        await write_readings(client, session_id, 1)


async def test_seam_under_concurrent_writes(start_live: StartLive) -> None:
    live = await start_live()
    nurse = await live.client("nurse")
    session_id = await new_session(nurse)
    rng = random.Random(7)
    for iteration in range(ITERATIONS):
        before = (await public_seqs_after(live.database_url, 0))[-1]
        # Join at a different point of the burst each time: all replay, all live, or a mix.
        join_after = rng.randint(0, WRITES - 1)
        join = asyncio.Event()
        task = asyncio.create_task(write_burst(nurse, session_id, join_after, join))
        await join.wait()
        if iteration % 2:
            ws = await live.stream()
            first = await receive(ws)
            assert first["type"] == "snapshot"
        else:
            ws = await live.stream(since=before)
            first = await receive(ws)
            assert first == {"type": "resumed", "seq": before}
        await task
        expected = await public_seqs_after(live.database_url, first["seq"])
        assert [e["seq"] for e in await events(ws, len(expected))] == expected
        if not iteration % 2:
            assert len(expected) == WRITES
        await ws.close()
