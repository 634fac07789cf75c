"""The medical director's defaults, an admin's edits, a physician's per-patient limits."""

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.alerts.rules import DEFAULT_RULES
from app.alerts.schemas import AlertRuleOut

pytestmark = pytest.mark.anyio

# As GET answers: each rule with its human name and unit (read-only, accepted back on PUT).
DEFAULTS = [AlertRuleOut.of(rule).model_dump(mode="json") for rule in DEFAULT_RULES]


def bare(rule: dict[str, Any]) -> dict[str, Any]:
    """A rule as stored and audited: without the read-only name and unit."""
    return {k: v for k, v in rule.items() if k not in ("name", "unit")}


def edited(code: str, **changes: Any) -> list[dict[str, Any]]:
    return [{**rule, **changes} if rule["code"] == code else rule for rule in DEFAULTS]


def messages(answer: Any) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [error["msg"] for error in answer.json()["detail"]]


def test_the_migration_seeds_the_clinic_defaults(sqlite_template: Path) -> None:
    with sqlite3.connect(sqlite_template) as db:
        rows = db.execute(
            "SELECT code, patient_id, updated_by FROM alert_rule ORDER BY id"
        ).fetchall()
    assert rows == [(rule.code, None, None) for rule in DEFAULT_RULES]


async def test_everyone_signed_in_reads_the_clinic_rules(staff, anon):
    for client in (staff.nurse, staff.physician, staff.admin):
        answer = await client.get("/api/alert-rules")
        assert answer.status_code == 200
        assert answer.json() == DEFAULTS
    assert (await anon.get("/api/alert-rules")).status_code == 401


async def test_an_admin_change_applies_to_the_next_reading_and_is_audited(staff, open_chair):
    chair = await open_chair()
    stricter = {"op": ">=", "value": 150}
    answer = await staff.admin.put("/api/alert-rules", json=edited("sbp_high", medium=stricter))
    assert answer.status_code == 200, answer.text
    assert answer.json() == edited("sbp_high", medium=stricter)
    assert (await staff.nurse.get("/api/alert-rules")).json() == edited("sbp_high", medium=stricter)

    alert = (await chair.reading(systolic=150))["alerts"][0]
    assert (alert["rule"], alert["message"]) == ("sbp_high", "SBP 150 ≥ 150 (baseline 128)")

    audit = (await staff.admin.get("/api/audit", params={"action": "alert_rule.update"})).json()
    assert len(audit) == 1, "only the rule that changed is audited"
    [entry] = audit
    assert (entry["username"], entry["target_id"]) == ("admin", "sbp_high")
    sbp_high = bare(next(rule for rule in DEFAULTS if rule["code"] == "sbp_high"))
    assert entry["details"] == {
        "scope": "clinic",
        "patient_id": None,
        "before": sbp_high,
        "after": {**sbp_high, "medium": stricter},
        "loosened": [],
        "reason": None,
    }
    chain = (await staff.admin.get("/api/audit/verify")).json()
    assert chain["ok"], chain


async def test_a_rule_switched_off_stays_silent(staff, open_chair):
    answer = await staff.admin.put(
        "/api/alert-rules",
        json=edited("hr_high", enabled=False),
        params={"reason": "test", "confirm": True},
    )
    assert answer.status_code == 200, answer.text
    chair = await open_chair()
    assert (await chair.reading(heart_rate=125))["alerts"] == []


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            edited("sbp_high", high={"op": ">=", "value": 900}),
            "rule sbp_high: high: 900 is outside 0 to 300",
        ),
        (
            edited("spo2_low", medium={"op": ">=", "value": 93}, high={"op": ">=", "value": 95}),
            "rule spo2_low: spo2_low alerts when the value falls: use < or <=",
        ),
        (
            edited("hr_high", medium={"op": ">", "value": 130}, high={"op": ">=", "value": 110}),
            "rule hr_high: high (≥ 110) must be more severe than medium (> 130)",
        ),
        (
            edited("rr_low", medium=None, high=None),
            "rule rr_low: set a medium or a high threshold (or disable the rule)",
        ),
        (
            edited("news2", parameter="systolic"),
            "rule news2: news2 watches news2, not systolic",
        ),
        ([*DEFAULTS, DEFAULTS[0]], "each rule may appear once; repeated: sbp_high"),
        (
            DEFAULTS[:-1],
            "send every clinic rule (to silence one, set enabled to false); missing: overdue",
        ),
    ],
    ids=[
        "out-of-range",
        "wrong-direction",
        "high-milder-than-medium",
        "no-threshold",
        "wrong-parameter",
        "duplicate",
        "incomplete",
    ],
)
async def test_a_rule_that_makes_no_sense_is_refused_with_a_readable_reason(staff, rules, expected):
    assert expected in messages(await staff.admin.put("/api/alert-rules", json=rules))
    assert (await staff.admin.get("/api/alert-rules")).json() == DEFAULTS


async def test_malformed_rules_are_refused(staff):
    for rule in (
        {**DEFAULTS[0], "medium": {"op": "=>", "value": 160}},
        {**DEFAULTS[0], "medium": {"op": ">", "value": True}},
        {**DEFAULTS[0], "colour": "red"},
        {**DEFAULTS[0], "code": "temperature_high"},
    ):
        answer = await staff.admin.put("/api/alert-rules", json=[rule, *DEFAULTS[1:]])
        assert answer.status_code == 422, rule
    assert (await staff.admin.get("/api/alert-rules")).json() == DEFAULTS


async def test_only_an_admin_edits_the_clinic_rules(staff):
    for client in (staff.nurse, staff.physician):
        answer = await client.put("/api/alert-rules", json=DEFAULTS)
        assert answer.status_code == 403, answer.text


async def test_only_a_physician_sets_patient_limits(staff, open_chair):
    chair = await open_chair()
    url = f"/api/patients/{chair.patient_id}/alert-rules"
    looser = [{**DEFAULTS[0], "medium": {"op": ">", "value": 170}}]
    for client in (staff.nurse, staff.admin):
        assert (await client.put(url, json=looser)).status_code == 403
    looser_ok = {"reason": "known hypertensive", "confirm": True}
    assert (await staff.physician.put(url, json=looser, params=looser_ok)).status_code == 200
    for client in (staff.nurse, staff.physician, staff.admin):
        assert (await client.get(url)).json() == looser


async def test_patient_overrides_are_validated_and_audited(staff, open_chair):
    chair = await open_chair()
    url = f"/api/patients/{chair.patient_id}/alert-rules"
    assert (await staff.physician.get(url)).json() == []

    wrong = [{**DEFAULTS[7], "high": {"op": "<=", "value": 101}}]  # spo2_low
    assert messages(await staff.physician.put(url, json=wrong)) == [
        "rule spo2_low: high: 101 is outside 0 to 100; "
        "high (≤ 101) must be more severe than medium (≤ 93)"
    ]
    assert messages(await staff.physician.put(url, json=[DEFAULTS[0], DEFAULTS[0]])) == [
        "each rule may appear once; repeated: sbp_high"
    ]

    target = [
        {**DEFAULTS[7], "medium": {"op": "<=", "value": 90}, "high": {"op": "<=", "value": 85}}
    ]
    looser = {"reason": "chronic lung disease", "confirm": True}
    assert (await staff.physician.put(url, json=target, params=looser)).status_code == 200
    assert (await staff.physician.put(url, json=[])).json() == []

    audit = (await staff.admin.get("/api/audit", params={"action": "alert_rule.update"})).json()
    changes = [(e["username"], e["details"]["before"], e["details"]["after"]) for e in audit]
    stored = bare(target[0])
    assert changes == [("physician", stored, None), ("physician", None, stored)]
    assert {e["details"]["patient_id"] for e in audit} == {chair.patient_id}


async def test_rules_of_an_unknown_patient(staff):
    url = "/api/patients/00000000-0000-4000-8000-000000000000/alert-rules"
    assert (await staff.nurse.get(url)).status_code == 404
    assert (await staff.physician.put(url, json=[])).status_code == 404
