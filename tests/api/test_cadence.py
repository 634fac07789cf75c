"""When the next reading is due: a baseline from the session's start, sooner after an alert."""

from datetime import datetime, timedelta

import pytest

from tests import factories
from tests.factories import put_reading, transition

pytestmark = pytest.mark.anyio


def due_after(tile: dict, reading: dict) -> timedelta:  # type: ignore[type-arg]
    due = datetime.fromisoformat(tile["next_reading_due_at"])
    return due - datetime.fromisoformat(reading["taken_at"])


async def test_a_baseline_is_due_from_the_start_of_the_session(staff):
    s = await factories.session(staff.nurse)
    assert s["next_reading_due_at"] is not None
    assert datetime.fromisoformat(s["next_reading_due_at"]) == datetime.fromisoformat(
        s["phase_started_at"]
    )
    answer = await put_reading(staff.nurse, s["id"])
    assert answer.status_code == 201
    assert answer.json()["reading"]["is_baseline"] is True
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert detail["next_reading_due_at"] is None


async def test_an_implausible_reading_leaves_the_baseline_due(staff):
    s = await factories.session(staff.nurse)
    odd = await put_reading(staff.nurse, s["id"], heart_rate=0, confirm_value=True)
    assert odd.status_code == 201
    # no baseline yet, and its high alert asks for a re-measure within 2 minutes
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert detail["baseline"] is None
    assert due_after(detail, odd.json()["reading"]) == timedelta(minutes=2)


@pytest.mark.parametrize(
    ("values", "minutes"),
    [
        ({"systolic": 186, "diastolic": 95}, 2),  # high: SBP ≥ 180
        ({"systolic": 165, "diastolic": 95}, 5),  # medium: SBP > 160
        ({}, 10),  # no alert: the protocol's infusion cadence
    ],
)
async def test_an_alert_brings_the_next_reading_forward(staff, values, minutes):
    s = await factories.infusing_session(staff.nurse)
    answer = await put_reading(staff.nurse, s["id"], **values)
    assert answer.status_code == 201, answer.text
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert due_after(detail, answer.json()["reading"]) == timedelta(minutes=minutes)


async def test_a_high_alert_before_the_infusion_makes_a_reading_due(staff):
    s = await factories.ready_session(staff.nurse)
    answer = await put_reading(staff.nurse, s["id"], heart_rate=135)
    assert answer.status_code == 201
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert due_after(detail, answer.json()["reading"]) == timedelta(minutes=2)


async def test_the_shorter_cadence_is_configurable(staff, app):
    app.state.settings.recheck_after_high_seconds = 60
    s = await factories.infusing_session(staff.nurse)
    answer = await put_reading(staff.nurse, s["id"], spo2=88)
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert due_after(detail, answer.json()["reading"]) == timedelta(minutes=1)
    ended = await transition(staff.nurse, s["id"], "aborted", reason="test over")
    assert ended.status_code == 200
    assert ended.json()["next_reading_due_at"] is None
