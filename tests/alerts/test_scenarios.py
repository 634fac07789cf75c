"""What the nurse at the chair sees when a patient's vitals leave the limits (DESIGN §3)."""

from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.anyio


async def test_one_systolic_alert_per_surge(open_chair, staff):
    chair = await open_chair(baseline={"systolic": 128, "diastolic": 80})
    await chair.reading(systolic=138)  # 10 min: the expected small rise, no alert
    assert await chair.alerts() == []

    # 30 min: +42 over baseline and past the medium limit: one systolic alert naming both.
    answer = await chair.reading(systolic=170)
    assert [a["rule"] for a in answer["alerts"]] == ["sbp_high"]
    first = answer["alerts"][0]
    assert first["priority"] == "medium"
    assert first["message"] == "SBP 170 > 160, +42 over baseline 128"
    assert first["location"] == "Chair 1" and first["patient_name"] == "Patient 1"
    assert not answer["recheck_prompt"]

    # 40 min: severe. The same alert turns high and alarms again, its message names the
    # absolute limit and the rise; the nurse is asked to re-measure now.
    answer = await chair.reading(systolic=186, diastolic=98)
    high = next(a for a in answer["alerts"] if a["rule"] == "sbp_high")
    assert high["id"] == first["id"]
    assert (high["priority"], high["state"], high["kind"]) == ("high", "active", "absolute")
    assert high["message"] == "SBP 186 ≥ 180, +58 over baseline 128"
    assert (high["value"], high["limit"], high["worst_value"]) == (186, 180, 186)
    assert answer["recheck_prompt"]

    session = (await staff.physician.get(f"/api/sessions/{chair.session_id}")).json()
    assert [(a["rule"], a["priority"]) for a in session["open_alerts"]] == [("sbp_high", "high")]
    timeline = (await staff.physician.get(f"/api/sessions/{chair.session_id}/timeline")).json()
    alert_events = [e["type"] for e in timeline if e["type"].startswith("alert.")]
    assert alert_events == ["alert.raised", "alert.updated"]


async def test_a_rise_alone_is_the_parameters_alert(open_chair):
    chair = await open_chair(baseline={"systolic": 104})
    answer = await chair.reading(systolic=150)
    [alert] = answer["alerts"]
    assert (alert["rule"], alert["kind"], alert["priority"]) == ("sbp_high", "baseline", "medium")
    assert alert["message"] == "SBP rise +46 ≥ 40 over baseline 104 (now 150)"
    # Value and limit are levels in mmHg: 150 against 104 + 40.
    assert (alert["value"], alert["limit"]) == (150, 144)


async def test_desaturation_in_recovery(open_chair):
    chair = await open_chair(phase="recovery")
    answer = await chair.reading(spo2=89, respiratory_rate=9)
    raised = {a["rule"]: a for a in answer["alerts"]}
    assert raised["spo2_low"]["priority"] == "high"
    assert raised["spo2_low"]["message"] == "SpO₂ 89 ≤ 90 (baseline 98)"
    assert raised["rr_low"]["priority"] == "medium"
    # SpO2 ≤ 91 scores 3 on NEWS2 on its own: the RCP asks for an urgent review.
    assert raised["news2"]["priority"] == "medium"
    assert raised["news2"]["message"].startswith("NEWS2 3 in one parameter (SpO₂)")
    assert answer["recheck_prompt"]


async def test_bradycardia(open_chair):
    chair = await open_chair()
    answer = await chair.reading(heart_rate=48)
    assert [(a["rule"], a["priority"]) for a in answer["alerts"]] == [("hr_low", "medium")]
    answer = await chair.reading(heart_rate=38)
    hr = next(a for a in answer["alerts"] if a["rule"] == "hr_low")
    assert (hr["priority"], hr["message"]) == ("high", "HR 38 ≤ 40 (baseline 76)")
    assert (hr["count"], hr["worst_value"]) == (2, 38)


async def test_a_typo_corrected_by_amendment_resolves_its_alert_as_entered_in_error(open_chair):
    chair = await open_chair()
    typo = await chair.reading(systolic=218)  # meant 128
    assert [a["rule"] for a in typo["alerts"]] == ["sbp_high"]

    reading_id = typo["reading"]["id"]
    answer = await chair.nurse.post(
        f"/api/sessions/{chair.session_id}/readings/{reading_id}/amend",
        json={"reason": "typo: 218 for 128", "systolic": 128},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["alerts"] == []
    assert await chair.alerts("open") == []
    for alert in await chair.alerts("resolved"):
        assert alert["resolved_reason"] == "Reading entered in error: corrected (typo: 218 for 128)"


async def test_a_physician_override_raises_one_patients_systolic_limits(open_chair, staff):
    usual = await open_chair(baseline={"systolic": 138})
    known_hypertensive = await open_chair(baseline={"systolic": 138})
    rules = (await staff.physician.get("/api/alert-rules")).json()
    sbp_high = next(rule for rule in rules if rule["code"] == "sbp_high")
    override = {
        **sbp_high,
        "medium": {"op": ">", "value": 175},
        "high": {"op": ">=", "value": 195},
    }
    answer = await staff.physician.put(
        f"/api/patients/{known_hypertensive.patient_id}/alert-rules",
        json=[override],
        params={"reason": "known hypertensive, on treatment", "confirm": True},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == [override]
    shown = await staff.nurse.get(f"/api/patients/{known_hypertensive.patient_id}/alert-rules")
    assert shown.json() == [override]

    assert [a["rule"] for a in (await usual.reading(systolic=170))["alerts"]] == ["sbp_high"]
    assert (await known_hypertensive.reading(systolic=170))["alerts"] == []
    answer = await known_hypertensive.reading(systolic=196)
    assert [(a["rule"], a["priority"], a["message"]) for a in answer["alerts"]] == [
        # The rise rule was not overridden: +58 over baseline is named in the same alert.
        ("sbp_high", "high", "SBP 196 ≥ 195, +58 over baseline 138"),
    ]

    # The other limits still come from the clinic set.
    answer = await known_hypertensive.reading(systolic=150, heart_rate=130)
    assert [(a["rule"], a["priority"]) for a in answer["alerts"]] == [("hr_high", "high")]


async def test_repeated_breaches_update_one_alert_instead_of_stacking(open_chair, staff):
    chair = await open_chair()
    first = (await chair.reading(heart_rate=115))["alerts"][0]
    await chair.reading(heart_rate=124)
    last = (await chair.reading(heart_rate=118))["alerts"][0]
    assert last["id"] == first["id"]
    assert (last["rule"], last["priority"], last["state"]) == ("hr_high", "medium", "active")
    assert (last["value"], last["worst_value"], last["count"]) == (118, 124, 3)
    assert last["message"] == "HR 118 > 110 (baseline 76)"
    assert len(await chair.alerts()) == 1


async def test_a_medium_alert_resolves_when_a_later_reading_is_back_within_limits(open_chair):
    chair = await open_chair()
    [alert] = (await chair.reading(diastolic=102))["alerts"]  # +24: under the rise limit
    assert (alert["rule"], alert["priority"]) == ("dbp_high", "medium")
    assert (await chair.reading(diastolic=86))["alerts"] == []
    [resolved] = await chair.alerts("resolved")
    assert resolved["id"] == alert["id"]
    assert resolved["resolved_at"] is not None
    assert resolved["resolved_reason"] == "DBP 86 within limits (alert > 100)"
    assert resolved["acknowledged_at"] is None


async def test_a_high_alert_latches_until_acknowledged_then_resolves(open_chair, staff):
    chair = await open_chair()
    alert = (await chair.reading(sedation_rass=-4))["alerts"][0]
    assert (alert["rule"], alert["priority"]) == ("rass_low", "high")

    await chair.reading(sedation_rass=0)  # back to alert and calm, but nobody has seen it yet
    latched = await chair.open_alert("rass_low")
    assert latched is not None
    assert latched["state"] == "active"
    assert latched["message"] == "RASS -4 ≤ -4"

    acknowledged = await chair.acknowledge(alert["id"], note="Roused to voice, airway clear")
    assert acknowledged["state"] == "resolved"
    assert acknowledged["acknowledged_by"] == str(staff.ids["nurse"])
    assert acknowledged["acknowledged_at"] is not None
    assert acknowledged["ack_note"] == "Roused to voice, airway clear"
    assert await chair.open_alert("rass_low") is None
    again = await chair.nurse.post(f"/api/alerts/{alert['id']}/acknowledge", json={})
    assert again.status_code == 409


async def test_an_acknowledged_high_alert_stays_until_the_value_recovers(open_chair, staff):
    chair = await open_chair()
    alert = (await chair.reading(systolic=184))["alerts"][0]
    acknowledged = await chair.acknowledge(alert["id"], note="Physician informed")
    assert acknowledged["state"] == "acknowledged"

    still = (await chair.reading(systolic=182))["alerts"]
    assert [(a["id"], a["state"], a["count"]) for a in still if a["rule"] == "sbp_high"] == [
        (alert["id"], "acknowledged", 2)
    ]
    await chair.reading(systolic=150)
    assert await chair.open_alert("sbp_high") is None
    audit = (await staff.admin.get("/api/audit", params={"action": "alert.acknowledge"})).json()
    assert [(e["username"], e["target_id"]) for e in audit] == [("nurse", alert["id"])]


async def test_a_normal_reading_entered_late_does_not_clear_a_newer_alert(open_chair):
    chair = await open_chair()
    alert = (await chair.reading(heart_rate=116))["alerts"][0]
    earlier = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    await chair.reading(taken_at=earlier)  # from the paper chart, before the tachycardia
    still = await chair.open_alert("hr_high")
    assert still is not None
    assert (still["id"], still["state"], still["count"]) == (alert["id"], "active", 1)
