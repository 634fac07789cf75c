"""The item-9 alert goes the way of every high alert: live to the dashboard, then escalation."""

import anyio
import pytest

from app.config import Settings
from tests.courses.support import course, phq9, respond, visit
from tests.factories import put_reading, transition

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"timer_interval_seconds": 0.1, "escalation_seconds": 0.3})


async def test_an_unacknowledged_item9_alert_escalates_and_a_second_one_renews_it(staff):
    c = await course(staff.nurse)
    sid = await visit(staff.nurse, c)
    first = (await respond(staff.nurse, c["id"], sid, "phq9", phq9(9, item9=1))).json()["alert"]
    with anyio.fail_after(15):
        while True:
            alerts = (await staff.physician.get("/api/alerts", params={"session_id": sid})).json()
            mine = next(a for a in alerts if a["id"] == first["id"])
            if mine["escalated"]:
                break
            await anyio.sleep(0.05)
    ok = await staff.nurse.post(
        f"/api/alerts/{first['id']}/acknowledge", json={"note": "Physician called; seen."}
    )
    assert ok.status_code == 200
    # The note of what was done ends it: an answer has nothing that clears later.
    assert ok.json()["state"] == "resolved"
    assert ok.json()["resolved_reason"] == "Acknowledged with a note: Physician called; seen."
    # The same visit answered again: a new alert, alarming again.
    again = (await respond(staff.nurse, c["id"], sid, "phq9", phq9(12, item9=3))).json()["alert"]
    assert again["id"] != first["id"]
    assert (again["state"], again["count"], again["escalated"]) == ("active", 1, False)


async def test_a_second_answer_before_acknowledgement_renews_the_open_alert(staff):
    c = await course(staff.nurse)
    sid = await visit(staff.nurse, c)
    first = (await respond(staff.nurse, c["id"], sid, "phq9", phq9(9, item9=1))).json()["alert"]
    again = (await respond(staff.nurse, c["id"], sid, "phq9", phq9(12, item9=3))).json()["alert"]
    assert again["id"] == first["id"]
    assert (again["state"], again["count"], again["worst_value"]) == ("active", 2, 3)


async def test_the_item9_alert_does_not_make_vitals_due_sooner(staff):
    c = await course(staff.nurse)
    sid = await visit(staff.nurse, c)
    assert (await transition(staff.nurse, sid, "infusion")).status_code == 200
    assert (await put_reading(staff.nurse, sid)).status_code == 201
    due = (await staff.nurse.get(f"/api/sessions/{sid}")).json()["next_reading_due_at"]
    assert (await respond(staff.nurse, c["id"], sid, "phq9", phq9(9, item9=1))).status_code == 201
    after = (await staff.nurse.get(f"/api/sessions/{sid}")).json()
    assert [a["kind"] for a in after["open_alerts"]] == ["safety"]
    assert after["next_reading_due_at"] == due
