"""The /api/live websocket against a real server: snapshot, live events, resume, heartbeat."""

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


async def test_snapshot_then_live_events(start_live: StartLive) -> None:
    live = await start_live()
    nurse = await live.client("nurse")
    session_id = await new_session(nurse)
    [first] = await write_readings(nurse, session_id, 1)

    ws = await live.stream("physician")
    snapshot = await receive(ws)
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == (await public_seqs_after(live.database_url, 0))[-1]
    [tile] = snapshot["data"]["sessions"]
    assert tile["id"] == session_id
    assert tile["latest_reading"]["id"] == first
    assert snapshot["data"]["alerts"] == []

    [second] = await write_readings(nurse, session_id, 1, systolic=150)
    [event] = await events(ws, 1)
    assert event["seq"] > snapshot["seq"]
    assert event["event"] == "reading.created"
    assert event["session_id"] == session_id
    assert event["data"]["reading"]["id"] == second
    assert event["data"]["session"]["latest_reading"]["systolic"] == 150


async def test_alerts_arrive_live_and_in_the_snapshot(start_live: StartLive) -> None:
    live = await start_live()
    nurse = await live.client("nurse")
    session_id = await new_session(nurse)
    ws = await live.stream("nurse")
    snapshot = await receive(ws)

    await write_readings(nurse, session_id, 1, spo2=88)
    expected = await public_seqs_after(live.database_url, snapshot["seq"])
    received = await events(ws, len(expected))
    assert [e["seq"] for e in received] == expected
    assert {e["event"] for e in received} == {"alert.raised", "reading.created"}
    raised = [e["data"]["alert"] for e in received if e["event"] == "alert.raised"]
    assert any(a["rule"].startswith("spo2") for a in raised), raised

    later = await live.stream("physician")
    assert {a["id"] for a in (await receive(later))["data"]["alerts"]} == {a["id"] for a in raised}


async def test_resume_after_disconnect_gets_exactly_what_was_missed(start_live: StartLive) -> None:
    live = await start_live()
    nurse = await live.client("nurse")
    session_id = await new_session(nurse)
    ws = await live.stream()
    await receive(ws)
    await write_readings(nurse, session_id, 1)
    [seen] = await events(ws, 1)
    await ws.close()

    missed = await write_readings(nurse, session_id, 100)

    ws = await live.stream(since=seen["seq"])
    assert await receive(ws) == {"type": "resumed", "seq": seen["seq"]}
    replayed = await events(ws, 100)
    assert [e["data"]["reading"]["id"] for e in replayed] == missed
    assert all(e["event"] == "reading.created" for e in replayed)
    assert [e["seq"] for e in replayed] == await public_seqs_after(live.database_url, seen["seq"])
    # The next thing on the wire is the next new event: nothing doubled after the replay.
    [after] = await write_readings(nurse, session_id, 1)
    [next_event] = await events(ws, 1)
    assert next_event["data"]["reading"]["id"] == after
    assert next_event["seq"] > replayed[-1]["seq"]


async def test_heartbeat_carries_the_last_seq(start_live: StartLive) -> None:
    live = await start_live(heartbeat_seconds=0.1)
    nurse = await live.client("nurse")
    session_id = await new_session(nurse)
    ws = await live.stream()
    snapshot = await receive(ws)
    assert await receive(ws, skip_pings=False) == {"type": "ping", "seq": snapshot["seq"]}

    await write_readings(nurse, session_id, 1)
    [event] = await events(ws, 1)
    while (ping := await receive(ws, skip_pings=False))["type"] != "ping":
        pass
    assert ping == {"type": "ping", "seq": event["seq"]}
