"""A slow client is dropped with a reason and resumes; the others never wait for it (DESIGN §4)."""

import asyncio
import secrets
import socket
import uuid

import pytest

from tests.factories import put_reading
from tests.live.conftest import (
    StartLive,
    closed_with,
    events,
    new_session,
    public_seqs_after,
    receive,
)

pytestmark = pytest.mark.anyio


def tiny_buffer_socket(port: int) -> socket.socket:
    # A small receive window: the server's writes back up after a few kilobytes.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def test_slow_client_is_closed_while_a_fast_one_gets_everything(
    start_live: StartLive,
) -> None:
    live = await start_live(live_queue_size=8, heartbeat_seconds=600, send_buffer=4096)
    nurse = await live.client("nurse")
    session_id = await new_session(nurse)
    slow = await live.stream(sock=tiny_buffer_socket(live.port), max_queue=1)
    fast = await live.stream()
    start = (await receive(fast))["seq"]

    fast_received: list[dict[str, object]] = []

    async def read_fast(count: int) -> None:
        fast_received.extend(await events(fast, count))

    count = 60
    reader = asyncio.create_task(read_fast(count))
    written = []
    for _ in range(count):
        # Big, incompressible events (permessage-deflate is on) fill the buffers quickly.
        written.append(str(uuid.uuid4()))
        note = secrets.token_urlsafe(1500)
        answer = await put_reading(nurse, session_id, written[-1], note=note)
        assert answer.status_code == 201, answer.text
    await reader
    assert [e["data"]["reading"]["id"] for e in fast_received] == written  # type: ignore[index]

    # Only now does the slow client read: what got through, then the close and its reason.
    code, reason, got = await closed_with(slow)
    assert got[0]["type"] == "snapshot"
    slow_events = got[1:]
    assert code == 1013
    last = slow_events[-1]["seq"] if slow_events else got[0]["seq"]
    assert reason == f"too slow; reconnect with since={last}"
    assert len(slow_events) < count

    resumed = await live.stream(since=last)
    assert (await receive(resumed))["type"] == "resumed"
    rest = await events(resumed, count - len(slow_events))
    seqs = [e["seq"] for e in slow_events + rest]
    assert seqs == await public_seqs_after(live.database_url, start)
