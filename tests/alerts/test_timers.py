"""Overdue readings and escalation, with the clinic's timers shortened to seconds."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

import anyio
import pytest

from app.alerts.timers import tick
from app.config import Settings
from app.db import Database, frequent_writes
from tests import factories

pytestmark = pytest.mark.anyio
T = TypeVar("T")


@pytest.fixture
def settings_update() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings(settings: Settings, settings_update: dict[str, Any]) -> Settings:
    # A high alert escalates after half a second.
    return settings.model_copy(
        update={"timer_interval_seconds": 0.1, "escalation_seconds": 0.5, **settings_update}
    )


@pytest.fixture(autouse=True)
async def fast_protocol(staff: Any) -> None:
    # A reading is due every second of infusion.
    await factories.edit_protocol(staff.admin, "iv-ketamine", infusion_check_seconds=1)


async def eventually(check: Callable[[], Awaitable[T | None]], what: str) -> T:
    """Poll until `check` answers, failing after a generous deadline (never a fixed sleep)."""
    with anyio.move_on_after(15):
        while True:
            result = await check()
            if result is not None:
                return result
            await anyio.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
async def overdue_after_any_delay(clinic_rules: Any) -> None:
    """The clinic's 5-minute margin, shrunk so that any lateness counts."""
    await clinic_rules(overdue={"medium": {"op": ">", "value": 0}, "high": None})


@pytest.mark.usefixtures("overdue_after_any_delay")
async def test_a_missed_reading_raises_the_technical_alert_and_a_reading_resolves_it(
    open_chair, staff
):
    chair = await open_chair()
    alert = await eventually(lambda: chair.open_alert("overdue"), "the overdue alert")
    assert (alert["kind"], alert["priority"], alert["state"]) == ("overdue", "medium", "active")
    assert alert["message"].startswith("Reading overdue by ")
    assert alert["message"].endswith(" min (> 0)")

    await chair.reading()
    resolved = next(a for a in await chair.alerts("resolved") if a["id"] == alert["id"])
    assert resolved["resolved_reason"] == "Reading received"
    # Ticks while it stayed late did not count as new breaches.
    assert resolved["count"] == 1
    timeline = (await staff.physician.get(f"/api/sessions/{chair.session_id}/timeline")).json()
    events = [e["type"] for e in timeline if e["data"].get("alert", {}).get("id") == alert["id"]]
    assert events == ["alert.raised", "alert.resolved"]


@pytest.mark.usefixtures("overdue_after_any_delay")
async def test_an_aborted_session_has_no_reading_overdue(open_chair):
    chair = await open_chair()
    alert = await eventually(lambda: chair.open_alert("overdue"), "the overdue alert")
    await chair.move("aborted", reason="Patient asked to stop")

    async def resolved() -> dict[str, Any] | None:
        return next((a for a in await chair.alerts("resolved") if a["id"] == alert["id"]), None)

    assert (await eventually(resolved, "the overdue alert to clear"))[
        "resolved_reason"
    ] == "Session aborted: Patient asked to stop"


@pytest.mark.usefixtures("overdue_after_any_delay")
async def test_ticks_from_several_processes_raise_one_overdue_alert(open_chair, settings):
    chair = await open_chair()
    # Three more "processes" tick side by side (beside the app's own timer) until the reading
    # falls due, and a few times after.
    processes = [Database(settings.database_url) for _ in range(3)]
    one_tick = partial(tick, settings=settings)

    try:
        async with contextlib.AsyncExitStack() as stack:
            writers = [await stack.enter_async_context(frequent_writes(d)) for d in processes]

            async def ticks() -> dict[str, Any] | None:
                await asyncio.gather(*(writes(one_tick) for writes in writers))
                return await chair.open_alert("overdue")

            await eventually(ticks, "the overdue alert")
            for _ in range(3):
                await ticks()
    finally:
        for database in processes:
            await database.dispose()
    overdue = [a for a in await chair.alerts() if a["rule"] == "overdue"]
    assert [(a["state"], a["count"]) for a in overdue] == [("active", 1)]


async def test_an_unacknowledged_high_alert_escalates(open_chair, staff):
    chair = await open_chair()
    raised = {a["rule"]: a for a in (await chair.reading(systolic=186, heart_rate=115))["alerts"]}
    assert raised["sbp_high"]["priority"] == "high"

    async def escalated() -> dict[str, Any] | None:
        alert = await chair.open_alert("sbp_high")
        return alert if alert and alert["escalated"] else None

    alert = await eventually(escalated, "the escalation")
    assert alert["state"] == "active"
    # Just as old, but medium: prompt, not immediate, so it never escalates.
    fast = await chair.open_alert("hr_high")
    assert fast is not None
    assert (fast["priority"], fast["escalated"]) == ("medium", False)

    timeline = (await staff.physician.get(f"/api/sessions/{chair.session_id}/timeline")).json()
    escalations = [e["data"]["alert"] for e in timeline if e["type"] == "alert.escalated"]
    assert [a["id"] for a in escalations] == [alert["id"]]

    acknowledged = await chair.acknowledge(alert["id"], note="At the chair")
    assert (acknowledged["state"], acknowledged["escalated"]) == ("acknowledged", True)


async def test_a_nurses_acknowledgement_does_not_stop_the_escalation(open_chair, staff):
    chair = await open_chair()
    [alert] = (await chair.reading(spo2=88))["alerts"][:1]
    assert (alert["rule"], alert["priority"]) == ("spo2_low", "high")
    acknowledged = await chair.acknowledge(alert["id"], note="Repositioned the probe")
    assert (acknowledged["state"], acknowledged["escalated"]) == ("acknowledged", False)

    async def escalated() -> dict[str, Any] | None:
        found = await chair.open_alert("spo2_low")
        return found if found and found["escalated"] else None

    # The room knows; the physician is still told.
    assert (await eventually(escalated, "the escalation"))["state"] == "acknowledged"


async def test_a_physicians_acknowledgement_stops_the_escalation(open_chair, staff):
    chair = await open_chair()
    [alert] = (await chair.reading(spo2=88))["alerts"][:1]
    answer = await staff.physician.post(f"/api/alerts/{alert['id']}/acknowledge", json={})
    assert answer.status_code == 200, answer.text
    await anyio.sleep(1.0)  # twice the escalation time, ten timer ticks
    assert (await chair.open_alert("spo2_low"))["escalated"] is False  # type: ignore[index]


@pytest.mark.parametrize("settings_update", [{"escalation_stopped_by": "anyone"}])
async def test_a_clinic_may_let_any_acknowledgement_stop_it(open_chair, settings_update):
    chair = await open_chair()
    [alert] = (await chair.reading(spo2=88))["alerts"][:1]
    await chair.acknowledge(alert["id"])
    await anyio.sleep(1.0)
    assert (await chair.open_alert("spo2_low"))["escalated"] is False  # type: ignore[index]


async def test_ending_a_session_resolves_its_alerts(open_chair, staff):
    chair = await open_chair()
    raised = (await chair.reading(systolic=186, spo2=88, heart_rate=35))["alerts"]
    assert {a["rule"] for a in raised if a["priority"] == "high"} >= {"sbp_high", "spo2_low"}
    await chair.move("aborted", reason="Patient unwell, transferred")
    assert await chair.alerts("open") == []
    resolved = {a["id"]: a for a in await chair.alerts("resolved")}
    for alert in raised:
        assert resolved[alert["id"]]["resolved_reason"] == (
            "Session aborted: Patient unwell, transferred"
        )
    timeline = (await staff.physician.get(f"/api/sessions/{chair.session_id}/timeline")).json()
    ends = [e["data"]["alert"] for e in timeline if e["type"] == "alert.resolved"]
    assert {a["location"] for a in ends} == {"Chair 1"}


@pytest.mark.usefixtures("overdue_after_any_delay")
@pytest.mark.parametrize("settings_update", [{"recheck_after_high_seconds": 1}])
async def test_after_a_high_alert_the_reading_is_overdue_after_the_shorter_cadence(
    open_chair, staff, settings_update
):
    # Ten minutes between readings, as a clinic would have it; a high alert asks for one in 1 s.
    await factories.edit_protocol(staff.admin, "iv-ketamine", infusion_check_seconds=600)
    calm, alarmed = await open_chair(), await open_chair()
    await calm.reading()
    raised = {a["rule"]: a["priority"] for a in (await alarmed.reading(spo2=88))["alerts"]}
    assert raised["spo2_low"] == "high"
    overdue = await eventually(lambda: alarmed.open_alert("overdue"), "the overdue alert")
    assert overdue["message"].startswith("Reading overdue by ")
    # The same timer, on the protocol's ten minutes: nothing is due yet.
    assert await calm.open_alert("overdue") is None
