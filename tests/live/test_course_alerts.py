"""A PHQ-9 item-9 answer reaches every dashboard over the live stream, like any alert."""

import pytest

from tests.courses.support import course, phq9, respond, visit
from tests.live.conftest import StartLive, events, receive

pytestmark = pytest.mark.anyio


async def test_item9_alert_is_streamed_live(start_live: StartLive) -> None:
    live = await start_live()
    nurse = await live.client("nurse")
    c = await course(nurse)
    sid = await visit(nurse, c)
    ws = await live.stream("physician")
    assert (await receive(ws))["type"] == "snapshot"

    answer = await respond(nurse, c["id"], sid, "phq9", phq9(11, item9=1))
    assert answer.status_code == 201
    [event] = await events(ws, 1)
    assert (event["event"], event["session_id"]) == ("alert.raised", sid)
    alert = event["data"]["alert"]
    assert (alert["kind"], alert["priority"], alert["rule"]) == ("safety", "high", "phq9_item9")
    assert alert["id"] == answer.json()["alert"]["id"]
