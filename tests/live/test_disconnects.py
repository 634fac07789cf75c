"""A dashboard on flaky Wi-Fi: clients dropped at random 1,000 times while readings flow, each
resuming with `since`, see every event exactly once and in order."""

import asyncio
import json
import random

import pytest
from websockets.asyncio.client import connect

from tests.live.conftest import (
    StartLive,
    new_session,
    public_seqs_after,
    receive,
    write_readings,
)

pytestmark = pytest.mark.anyio
DISCONNECTS = 1000


async def test_random_disconnects_lose_and_repeat_nothing(start_live: StartLive) -> None:
    live = await start_live()
    nurse = await live.client("nurse")
    session_id = await new_session(nurse)
    await live.client("physician")
    token = live.tokens["physician"]
    start = (await public_seqs_after(live.database_url, 0))[-1]
    stop = asyncio.Event()

    async def nurse_keeps_charting() -> None:
        while not stop.is_set():
            await write_readings(nurse, session_id, 1)

    writer = asyncio.create_task(nurse_keeps_charting())
    rng = random.Random(20261122)
    seen: list[int] = []
    last = start
    try:
        for _ in range(DISCONNECTS):
            async with connect(live.ws_url(since=last)) as ws:
                await ws.send(json.dumps({"type": "auth", "token": token}))
                if rng.random() < 0.1:
                    continue  # dropped before the server even answered
                assert await receive(ws) == {"type": "resumed", "seq": last}
                for _ in range(rng.randint(0, 3)):
                    message = await receive(ws)
                    assert message["type"] == "event"
                    seen.append(message["seq"])
                    last = message["seq"]
                if rng.random() < 0.5:
                    ws.transport.abort()  # the network vanished: no closing handshake
    finally:
        stop.set()
        await writer
    expected = await public_seqs_after(live.database_url, start)
    async with connect(live.ws_url(since=last)) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert await receive(ws) == {"type": "resumed", "seq": last}
        while len(seen) < len(expected):
            seen.append((await receive(ws))["seq"])
    assert seen == expected
    assert len(expected) >= DISCONNECTS  # readings really flowed while clients came and went
