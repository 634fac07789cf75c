"""The bus on its own, and fed by the app's commits (no websocket involved)."""

import json
import uuid
from typing import Any

import pytest

from app.db import Database
from app.events import Event, record_event
from app.live.bus import Bus, Message, Subscription, frame, to_message
from tests.factories import put_reading, session

pytestmark = pytest.mark.anyio


def message(seq: int) -> Message:
    return to_message(Event(seq=seq, type="reading.created", session_id=None, data={"n": seq}))


async def test_one_text_for_every_subscriber_and_overflow_stays_with_its_subscriber() -> None:
    bus = Bus(queue_size=2, last=0)
    async with bus.subscribe() as fast, bus.subscribe() as slow:
        bus.publish([message(1), message(2)])
        first = await anext(fast)
        bus.publish([message(3)])  # the slow one's queue is full: it is marked, nobody waits

        assert slow.overflowed.is_set()
        assert not fast.overflowed.is_set()
        assert first.text is (await anext(slow)).text
        assert [(await anext(fast)).seq for _ in range(2)] == [2, 3]


def of_site(seq: int, site: uuid.UUID | None) -> Message:
    """A reading of a session at `site`."""
    event = Event(seq=seq, type="reading.created", session_id=uuid.uuid4(), data={"n": seq})
    return to_message(event, site)


async def test_each_event_goes_to_its_sites_subscribers_only() -> None:
    north, south, east = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    bus = Bus(queue_size=10, last=0)
    async with (
        bus.subscribe({north}) as north_only,
        bus.subscribe({north, south}) as both,
        bus.subscribe() as everywhere,
        bus.subscribe({east}) as east_only,
    ):
        bus.publish([of_site(1, north), of_site(2, south), message(3), of_site(4, None)])

        assert [m.seq for m in north_only.drain()] == [1, 3]
        assert [m.seq for m in both.drain()] == [1, 2, 3]
        # An event of a session whose site is unknown reaches every-site subscribers only.
        assert [m.seq for m in everywhere.drain()] == [1, 2, 3, 4]
        assert [m.seq for m in east_only.drain()] == [3]
    assert bus._by_site == {}  # buckets go with their last subscriber


def seqs(messages: list[Message] | None) -> list[int] | None:
    return None if messages is None else [m.seq for m in messages]


def test_recent_events_are_served_from_memory_only_while_all_are_held() -> None:
    bus = Bus(queue_size=10, last=5, recent=3)
    assert seqs(bus.recent_after(5)) == []
    assert bus.recent_after(4) is None  # published before this bus started: ask the table
    kept = [message(6), message(7)]
    bus.publish(kept)
    assert seqs(bus.recent_after(5)) == [6, 7]
    assert bus.recent_after(5)[0] is kept[0]  # the very objects live clients got: no copies
    bus.publish([message(8), message(9)])  # 6 is let go
    assert bus.recent_after(5) is None
    assert seqs(bus.recent_after(6)) == [7, 8, 9]
    bus.publish([message(11)])  # seq 10 was never committed (a rolled-back transaction)
    assert seqs(bus.recent_after(9)) == [11]
    assert seqs(bus.recent_after(11)) == []


def test_only_private_events_keep_their_data_beside_the_wire_text() -> None:
    revoked = Event(seq=1, type="auth.revoked", session_id=None, data={"user_id": "u1"})
    assert to_message(revoked).data == {"user_id": "u1"}
    public = message(2)
    assert public.data == {}
    assert json.loads(public.text)["data"] == {"n": 2}


async def test_published_events_are_never_published_again() -> None:
    bus = Bus(queue_size=10, last=5)
    async with bus.subscribe() as sub:
        bus.publish([message(4), message(5), message(6)])
        bus.publish([message(6), message(7)])
        assert [(await anext(sub)).seq for _ in range(2)] == [6, 7]
    assert bus.last == 7


async def test_events_ready_together_go_out_as_one_batch_frame() -> None:
    bus = Bus(queue_size=10, last=0)
    async with bus.subscribe() as sub:
        bus.publish([message(1)])
        assert frame([await anext(sub), *sub.drain()]) == message(1).text
        bus.publish([message(2), message(3), message(4)])
        ready = [await anext(sub), *sub.drain()]
    batch = json.loads(frame(ready))
    assert batch["type"] == "batch" and batch["seq"] == 4
    assert batch["messages"] == [json.loads(message(n).text) for n in (2, 3, 4)]


async def events_until(sub: Subscription, type: str) -> list[Message]:
    received = []
    while not received or received[-1].type != type:
        received.append(await anext(sub))
    return received


async def test_commits_reach_the_bus_in_order(app: Any, staff: Any) -> None:
    bus: Bus = app.state.bus
    async with bus.subscribe() as sub:
        s = await session(staff.nurse)
        for _ in range(3):
            assert (await put_reading(staff.nurse, s["id"])).status_code == 201
        received = await events_until(sub, "session.created")
        received += [await anext(sub) for _ in range(3)]
    assert [m.type for m in received[-4:]] == ["session.created"] + ["reading.created"] * 3
    seqs = [m.seq for m in received]
    assert seqs == sorted(seqs)


async def test_a_write_by_another_process_is_not_lost(app: Any, staff: Any, settings: Any) -> None:
    # The CLI (or any other process) commits without this process's hook: the next local
    # commit leaves a gap, which the bus fills from the table.
    bus: Bus = app.state.bus
    async with bus.subscribe() as sub:
        other = Database(settings.database_url)
        try:
            async with other.session() as db:
                await record_event(db, type="test.elsewhere", session_id=None, data={})
                await db.commit()
        finally:
            await other.dispose()
        await session(staff.nurse)
        received = await events_until(sub, "session.created")
    assert [m.type for m in received] == ["test.elsewhere", "session.created"]
