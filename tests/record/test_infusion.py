"""The infusion record: the order and its second check, the pump log, the delivered dose."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests import factories
from tests.factories import transition
from tests.record.support import minutes_pass

pytestmark = pytest.mark.anyio

ORDER = {
    "concentration_mg_per_ml": 1,
    "lot": "KET-24117",
    "expiry": (date.today() + timedelta(days=200)).isoformat(),
    "rate_mg_per_kg_h": 0.75,
}


def minutes_ago(m: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=m)).isoformat()


async def verified_infusion(staff) -> str:
    """An 80 kg patient at 0.5 mg/kg, ready to start, the order checked by a second person."""
    s = await factories.session(staff.nurse, weight_kg=80)
    sid: str = s["id"]
    await factories.prepare(staff.nurse, sid)
    assert (await factories.put_reading(staff.nurse, sid)).status_code == 201
    order = await staff.nurse.put(f"/api/sessions/{sid}/infusion/order", json=ORDER)
    assert order.status_code == 200, order.text
    checked = await staff.physician.post(
        f"/api/sessions/{sid}/infusion/verify", json={"rate_ml_per_h": 60}
    )
    assert checked.status_code == 200, checked.text
    return sid


async def test_the_order_computes_the_pump_rate_and_needs_a_second_person(staff):
    s = await factories.session(staff.nurse, weight_kg=80)
    sid = s["id"]
    order = await staff.nurse.put(f"/api/sessions/{sid}/infusion/order", json=ORDER)
    assert order.status_code == 200, order.text
    body = order.json()
    assert (body["planned_dose_mg"], body["rate_ml_per_h"], body["planned_minutes"]) == (40, 60, 40)
    assert body["drug"] == "ketamine" and body["verified_at"] is None

    own = await staff.nurse.post(f"/api/sessions/{sid}/infusion/verify", json={"rate_ml_per_h": 60})
    assert own.status_code == 403
    assert "someone other than who prepared it" in own.json()["detail"]
    wrong = await staff.physician.post(
        f"/api/sessions/{sid}/infusion/verify", json={"rate_ml_per_h": 66}
    )
    assert wrong.status_code == 409
    assert "66 mL/h but the order computes 60 mL/h" in wrong.json()["detail"]
    ok = await staff.physician.post(
        f"/api/sessions/{sid}/infusion/verify", json={"rate_ml_per_h": 60}
    )
    assert ok.status_code == 200
    assert ok.json()["verified_by"] == str(staff.ids["physician"])
    tile = (await staff.nurse.get(f"/api/sessions/{sid}")).json()["infusion"]
    assert tile["verified"] is True and tile["status"] == "not_started"


async def test_an_expired_lot_is_refused(staff):
    s = await factories.session(staff.nurse)
    expired = ORDER | {"expiry": (date.today() - timedelta(days=1)).isoformat()}
    answer = await staff.nurse.put(f"/api/sessions/{s['id']}/infusion/order", json=expired)
    assert answer.status_code == 422
    assert "Lot KET-24117 expired on" in answer.text


async def test_the_pump_does_not_start_before_the_check_or_the_phase(staff):
    s = await factories.ready_session(staff.nurse)
    sid = s["id"]
    start = {"kind": "start", "rate_mg_per_kg_h": 0.75}
    no_order = await staff.nurse.post(f"/api/sessions/{sid}/infusion/events", json=start)
    assert no_order.status_code == 409 and "second check" in no_order.json()["detail"]
    await staff.nurse.put(f"/api/sessions/{sid}/infusion/order", json=ORDER)
    unchecked = await staff.nurse.post(f"/api/sessions/{sid}/infusion/events", json=start)
    assert unchecked.status_code == 409 and "second check" in unchecked.json()["detail"]
    await staff.physician.post(f"/api/sessions/{sid}/infusion/verify", json={"rate_ml_per_h": 52.5})
    pre = await staff.nurse.post(f"/api/sessions/{sid}/infusion/events", json=start)
    assert pre.status_code == 409 and "Start the infusion phase first" in pre.json()["detail"]


async def test_iv_session_with_a_rate_change_and_a_pause_delivers_what_ran(app, staff):
    """80 kg, 0.5 mg/kg = 40 mg at 0.75 mg/kg/h (60 mL/h of 1 mg/mL). Started 09:00, paused
    09:10 for nausea, resumed 09:15, slowed to half at 09:20, stopped 09:40: 10 + 5 + 10 =
    25 mg delivered, 15 mg not given, 35 min infusing over 40 min."""
    sid = await verified_infusion(staff)
    assert (await transition(staff.nurse, sid, "infusion")).status_code == 200
    await minutes_pass(app, sid, 60)
    log = [
        {"kind": "start", "at": minutes_ago(50), "rate_mg_per_kg_h": 0.75},
        {"kind": "pause", "at": minutes_ago(40), "note": "nausea"},
        {"kind": "resume", "at": minutes_ago(35)},
        {"kind": "rate_change", "at": minutes_ago(30), "rate_mg_per_kg_h": 0.375},
        {"kind": "stop", "at": minutes_ago(10)},
    ]
    for entry in log:
        answer = await staff.nurse.post(f"/api/sessions/{sid}/infusion/events", json=entry)
        assert answer.status_code == 201, answer.text
    record = (await staff.nurse.get(f"/api/sessions/{sid}/infusion")).json()
    assert record["status"] == "stopped"
    assert record["delivered_mg"] == 25
    assert record["remaining_mg"] == 15
    assert record["infusing_minutes"] == 35
    assert record["actual_minutes"] == 40
    assert [e["rate_ml_per_h"] for e in record["events"]] == [60, None, None, 30, None]
    tile = (await staff.nurse.get("/api/sessions", params={"active": True})).json()[0]["infusion"]
    assert (tile["status"], tile["delivered_mg"], tile["planned_dose_mg"]) == ("stopped", 25, 40)
    again = await staff.nurse.post(f"/api/sessions/{sid}/infusion/events", json={"kind": "resume"})
    assert again.status_code == 409 and "has stopped" in again.json()["detail"]


async def test_a_running_tile_carries_what_the_dashboard_extrapolates(app, staff):
    sid = await verified_infusion(staff)
    await transition(staff.nurse, sid, "infusion")
    await minutes_pass(app, sid, 20)
    start = {"kind": "start", "at": minutes_ago(15), "rate_mg_per_kg_h": 0.75}
    assert (
        await staff.nurse.post(f"/api/sessions/{sid}/infusion/events", json=start)
    ).status_code == 201
    tile = (await staff.nurse.get(f"/api/sessions/{sid}")).json()["infusion"]
    assert tile["status"] == "running" and tile["rate_mg_per_h"] == 60
    assert tile["delivered_mg"] == 0 and tile["as_of"] is not None
    record = (await staff.nurse.get(f"/api/sessions/{sid}/infusion")).json()
    assert 14.9 <= record["delivered_mg"] <= 15.5  # 15 min at 60 mg/h, as of now


async def test_fixed_dose_sessions_have_no_pump(staff):
    s = await factories.session(staff.nurse, protocol="spravato", dose_mg=56)
    answer = await staff.nurse.put(f"/api/sessions/{s['id']}/infusion/order", json=ORDER)
    assert answer.status_code == 409
    assert "fixed dose" in answer.json()["detail"]


async def test_calculator(staff):
    answer = await staff.nurse.post(
        "/api/infusion/calculator",
        json={
            "weight_kg": 70,
            "dose_mg_per_kg": 0.5,
            "rate_mg_per_kg_h": 0.5,
            "concentration_mg_per_ml": 0.4,
        },
    )
    assert answer.json() == {"planned_dose_mg": 35, "rate_ml_per_h": 87.5, "planned_minutes": 60}


async def test_calculator_refuses_a_rate_too_small_to_deliver_the_dose(staff):
    """Found by the schema fuzzer: 1e-308 mg/kg/h answered 200 with null minutes."""
    answer = await staff.nurse.post(
        "/api/infusion/calculator",
        json={
            "weight_kg": 70,
            "dose_mg_per_kg": 0.5,
            "rate_mg_per_kg_h": 1e-308,
            "concentration_mg_per_ml": 0.4,
        },
    )
    assert answer.status_code == 422
    assert "rate_mg_per_kg_h" in answer.text
