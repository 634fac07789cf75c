"""The technical alarm "monitor not reporting" (app/alerts/timers.py, docs/devices.md): a monitor
bound to the chair of a session in infusion that falls silent raises it; it clears when the
monitor reports again."""

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.config import Settings
from app.main import create_app
from tests.conftest import Staff, bearer_client, create_user
from tests.devices.test_mllp import free_port, msa, oru, send
from tests.factories import infusing_session

pytestmark = pytest.mark.anyio

DEVICE = "0011223344556677"
SILENT = 1.0  # seconds, for the test; 120 by default


@pytest.fixture
async def watched(settings: Settings, password_hash: str) -> AsyncIterator[tuple[Staff, int]]:
    port = free_port()
    configured = settings.model_copy(
        update={
            "mllp_port": port,
            "mllp_host": "127.0.0.1",
            "mllp_allowed_sources": ["127.0.0.1"],
            "monitor_silent_seconds": SILENT,
            "timer_interval_seconds": 0.2,
        }
    )
    app = create_app(configured)
    async with app.router.lifespan_context(app):
        ids = {
            r: await create_user(app, r, r, password_hash) for r in ("nurse", "physician", "admin")
        }
        clients = [await bearer_client(app, ids[r]) for r in ("nurse", "physician", "admin")]
        yield Staff(*clients, ids=ids), port
        for client in clients:
            await client.aclose()


async def silent_alert(staff: Staff, session_id: str) -> dict[str, Any] | None:
    alerts = (await staff.nurse.get(f"/api/alerts?session_id={session_id}")).json()
    found = [a for a in alerts if a["rule"] == "monitor_silent"]
    return found[0] if found else None


async def wait_for(staff: Staff, session_id: str, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        alert = await silent_alert(staff, session_id)
        if alert is not None and alert["state"] == state:
            return alert
        await asyncio.sleep(0.2)
    raise AssertionError(
        f"no {state} monitor_silent alert: {await silent_alert(staff, session_id)}"
    )


async def test_a_silent_monitor_alarms_and_clears_when_it_reports(
    watched: tuple[Staff, int],
) -> None:
    staff, port = watched
    s = await infusing_session(staff.nurse)
    bound = await staff.admin.put(
        f"/api/devices/{DEVICE}", json={"id": DEVICE, "label": "Bay 1", "chair_id": s["chair_id"]}
    )
    assert bound.status_code == 200, bound.text
    # Counted from the infusion's start: nothing is raised before a full silence has passed.
    assert await silent_alert(staff, s["id"]) is None
    alert = await wait_for(staff, s["id"], "active")
    assert alert["priority"] == "medium" and alert["kind"] == "technical"
    assert alert["message"].startswith(f"Monitor Bay 1 ({DEVICE}) not reporting"), alert
    [answer] = await send(port, oru("BACK-1", mrn=s["patient"]["mrn"]))
    assert msa(answer)[1] == "AA", answer
    resolved = await wait_for(staff, s["id"], "resolved")
    assert resolved["resolved_reason"] == f"Monitor Bay 1 ({DEVICE}) reporting"


async def test_an_unbound_chair_or_a_session_not_infusing_raises_nothing(
    watched: tuple[Staff, int],
) -> None:
    staff, _port = watched
    s = await infusing_session(staff.nurse)
    await asyncio.sleep(SILENT * 2)
    assert await silent_alert(staff, s["id"]) is None  # no monitor at this chair
