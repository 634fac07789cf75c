"""Default alert rules at, inside and outside each limit; messages; overrides; validation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.alerts.news2 import News2Input, News2Result, news2
from app.alerts.rules import (
    DEFAULT_RULES,
    GROUP,
    Condition,
    Rule,
    Threshold,
    combine,
    evaluate_reading,
    merge_rules,
    overdue_condition,
    rule_from_dict,
    rule_to_dict,
    validate_rule,
)

RULES = {rule.code: rule for rule in DEFAULT_RULES}

# A calm patient mid-infusion: inside every default limit.
CALM: dict[str, float | int | None] = {
    "systolic": 128,
    "diastolic": 78,
    "heart_rate": 76,
    "spo2": 98,
    "respiratory_rate": 14,
    "sedation_rass": 0,
}
CALM_BASELINE: dict[str, float | int | None] = {"systolic": 128, "diastolic": 82}


def only(
    code: str,
    values: dict[str, float | int | None],
    baseline: dict[str, float | int | None] | None = None,
    rules: tuple[Rule, ...] = DEFAULT_RULES,
) -> Condition | None:
    matches = [c for c in evaluate_reading(values, baseline, rules, None) if c.rule == code]
    assert len(matches) <= 1
    return matches[0] if matches else None


def priority(
    code: str, values: dict[str, float | int | None], rules: tuple[Rule, ...] = DEFAULT_RULES
) -> str | None:
    condition = only(code, values, rules=rules)
    assert condition is not None
    return condition.priority


# (rule, value, expected priority): each limit at, one inside and one outside.
ABSOLUTE_EDGES = [
    ("sbp_high", 159, None), ("sbp_high", 160, None), ("sbp_high", 161, "medium"),
    ("sbp_high", 179, "medium"), ("sbp_high", 180, "high"), ("sbp_high", 181, "high"),
    ("dbp_high", 99, None), ("dbp_high", 100, None), ("dbp_high", 101, "medium"),
    ("dbp_high", 109, "medium"), ("dbp_high", 110, "high"), ("dbp_high", 111, "high"),
    ("sbp_low", 101, None), ("sbp_low", 100, None), ("sbp_low", 99, "medium"),
    ("sbp_low", 91, "medium"), ("sbp_low", 90, "high"), ("sbp_low", 89, "high"),
    ("hr_high", 109, None), ("hr_high", 110, None), ("hr_high", 111, "medium"),
    ("hr_high", 129, "medium"), ("hr_high", 130, "high"), ("hr_high", 131, "high"),
    ("hr_low", 51, None), ("hr_low", 50, None), ("hr_low", 49, "medium"),
    ("hr_low", 41, "medium"), ("hr_low", 40, "high"), ("hr_low", 39, "high"),
    ("spo2_low", 95, None), ("spo2_low", 94, None), ("spo2_low", 93, "medium"),
    ("spo2_low", 92, "medium"), ("spo2_low", 91, "medium"), ("spo2_low", 90, "high"),
    ("spo2_low", 89, "high"),
    ("rr_low", 12, None), ("rr_low", 11, None), ("rr_low", 10, "medium"),
    ("rr_low", 9, "medium"), ("rr_low", 8, "high"), ("rr_low", 7, "high"),
    ("rr_high", 19, None), ("rr_high", 20, None), ("rr_high", 21, "medium"),
    ("rr_high", 22, "medium"), ("rr_high", 24, "medium"), ("rr_high", 25, "high"),
    ("rr_high", 26, "high"),
    ("rass_low", 0, None), ("rass_low", -1, None), ("rass_low", -2, "medium"),
    ("rass_low", -3, "medium"), ("rass_low", -4, "high"), ("rass_low", -5, "high"),
    # Fractional entries (never from a tablet, but the rules must not care).
    ("sbp_high", 160.5, "medium"), ("hr_low", 49.9, "medium"), ("spo2_low", 93.1, None),
]  # fmt: skip


@pytest.mark.parametrize(("code", "value", "expected"), ABSOLUTE_EDGES)
def test_absolute_default_edges(code: str, value: float, expected: str | None) -> None:
    rule = RULES[code]
    condition = only(code, {**CALM, rule.parameter: value})
    assert condition is not None
    assert condition.priority == expected
    assert condition.value == value
    assert condition.kind == "absolute"
    if expected is None:
        assert condition.limit is None
    else:
        threshold = rule.high if expected == "high" else rule.medium
        assert threshold is not None
        assert condition.limit == threshold.value


# (rule, baseline, reading, expected priority, expected rise)
BASELINE_EDGES = [
    ("sbp_rise", 128, 166, None, 38), ("sbp_rise", 128, 167, None, 39),
    ("sbp_rise", 128, 168, "medium", 40), ("sbp_rise", 128, 169, "medium", 41),
    ("sbp_rise", 128, 100, None, -28),
    ("dbp_rise", 82, 105, None, 23), ("dbp_rise", 82, 106, None, 24),
    ("dbp_rise", 82, 107, "medium", 25), ("dbp_rise", 82, 108, "medium", 26),
    ("dbp_rise", 82, 60, None, -22),
]  # fmt: skip


@pytest.mark.parametrize(("code", "before", "now", "expected", "rise"), BASELINE_EDGES)
def test_baseline_rise_edges(
    code: str, before: int, now: int, expected: str | None, rise: int
) -> None:
    parameter = RULES[code].parameter
    condition = only(code, {**CALM, parameter: now}, {parameter: before})
    assert condition is not None
    assert condition.priority == expected
    assert condition.value == rise
    medium = RULES[code].medium
    assert medium is not None
    assert condition.limit == (None if expected is None else medium.value)


def test_a_modest_absolute_value_can_still_be_a_large_rise() -> None:
    # Baseline 104 systolic: 150 is under every absolute limit but a 46 mmHg surge.
    conditions = evaluate_reading({**CALM, "systolic": 150}, {"systolic": 104}, DEFAULT_RULES, None)
    by_code = {c.rule: c for c in conditions}
    assert by_code["sbp_high"].priority is None
    assert by_code["sbp_rise"].priority == "medium"
    assert by_code["sbp_rise"].message == "SBP rise +46 ≥ 40 over baseline 104 (now 150)"


@pytest.mark.parametrize("baseline", [None, {}, {"systolic": None, "diastolic": None}])
def test_baseline_rules_need_a_baseline(baseline: dict[str, float | int | None] | None) -> None:
    conditions = evaluate_reading({**CALM, "systolic": 200}, baseline, DEFAULT_RULES, None)
    codes = {c.rule for c in conditions}
    assert "sbp_rise" not in codes
    assert "dbp_rise" not in codes
    assert "sbp_high" in codes


@pytest.mark.parametrize(
    ("missing", "codes"),
    [
        ("respiratory_rate", {"rr_low", "rr_high"}),
        ("sedation_rass", {"rass_low"}),
        ("systolic", {"sbp_high", "sbp_low", "sbp_rise"}),
        ("diastolic", {"dbp_high", "dbp_rise"}),
    ],
)
def test_missing_parameter_gives_no_condition(missing: str, codes: set[str]) -> None:
    for values in ({**CALM, missing: None}, {k: v for k, v in CALM.items() if k != missing}):
        conditions = evaluate_reading(values, CALM_BASELINE, DEFAULT_RULES, None)
        assert codes.isdisjoint(c.rule for c in conditions)


def test_calm_reading_clears_every_reading_rule_in_order() -> None:
    conditions = evaluate_reading(CALM, CALM_BASELINE, DEFAULT_RULES, news2(_news2_input(CALM)))
    assert [c.rule for c in conditions] == [r.code for r in DEFAULT_RULES if r.kind != "overdue"]
    assert all(c.priority is None and c.limit is None for c in conditions)
    by_code = {c.rule: c for c in conditions}
    assert by_code["sbp_high"].message == "SBP 128 within limits (alert > 160)"
    expected = "DBP rise -4 over baseline 82 (now 78) within limits (alert ≥ 25)"
    assert by_code["dbp_rise"].message == expected


def test_disabled_rule_is_skipped() -> None:
    rules = merge_rules(DEFAULT_RULES, [replace(RULES["spo2_low"], enabled=False)])
    assert only("spo2_low", {**CALM, "spo2": 80}, rules=rules) is None


def test_ketamine_hypertensive_response() -> None:
    reading = {**CALM, "systolic": 186, "diastolic": 104, "heart_rate": 96}
    conditions = evaluate_reading(reading, CALM_BASELINE, DEFAULT_RULES, None)
    breaches = {c.rule: (c.priority, c.message) for c in conditions if c.priority is not None}
    assert breaches == {
        "sbp_high": ("high", "SBP 186 ≥ 180 (baseline 128)"),
        "sbp_rise": ("medium", "SBP rise +58 ≥ 40 over baseline 128 (now 186)"),
        "dbp_high": ("medium", "DBP 104 > 100 (baseline 82)"),
    }


@pytest.mark.parametrize(
    ("values", "baseline", "code", "message"),
    [
        ({"systolic": 186}, {"systolic": 128}, "sbp_high", "SBP 186 ≥ 180 (baseline 128)"),
        (
            {"systolic": 172},
            {"systolic": 128},
            "sbp_rise",
            "SBP rise +44 ≥ 40 over baseline 128 (now 172)",
        ),
        ({"spo2": 89}, None, "spo2_low", "SpO₂ 89 ≤ 90"),
        ({"spo2": 93}, None, "spo2_low", "SpO₂ 93 ≤ 93"),
        ({"heart_rate": 45}, None, "hr_low", "HR 45 < 50"),
        ({"heart_rate": 131.5}, None, "hr_high", "HR 131.5 ≥ 130"),
        ({"systolic": 88}, None, "sbp_low", "SBP 88 ≤ 90"),
        ({"respiratory_rate": 8}, None, "rr_low", "RR 8 ≤ 8"),
        ({"respiratory_rate": 26}, None, "rr_high", "RR 26 ≥ 25"),
        ({"sedation_rass": -3}, None, "rass_low", "RASS -3 ≤ -2"),
    ],
)
def test_messages(
    values: dict[str, float | int | None],
    baseline: dict[str, float | int | None] | None,
    code: str,
    message: str,
) -> None:
    condition = only(code, values, baseline)
    assert condition is not None
    assert condition.message == message


# --- NEWS2 -------------------------------------------------------------------------------


def _news2_input(
    values: dict[str, float | int | None], temperature_c: float | None = 36.8
) -> News2Input:
    return News2Input(
        respiratory_rate=_int(values.get("respiratory_rate")),
        spo2=int(values["spo2"] or 0),
        on_oxygen=False,
        systolic=int(values["systolic"] or 0),
        heart_rate=int(values["heart_rate"] or 0),
        consciousness="A",
        temperature_c=temperature_c,
    )


def _int(value: float | int | None) -> int | None:
    return None if value is None else int(value)


def news2_condition(result: News2Result | None) -> Condition | None:
    matches = [c for c in evaluate_reading({}, None, DEFAULT_RULES, result) if c.rule == "news2"]
    return matches[0] if matches else None


@pytest.mark.parametrize(
    ("inp", "priority", "message"),
    [
        # RR 24 (2) + SpO2 94 (1) + HR 104 (1) + temp 38.4 (1) = 5
        (News2Input(24, 94, False, 130, 104, "A", 38.4), "medium", "NEWS2 5 ≥ 5"),
        # 4 without RR: partial, still below every limit.
        (
            News2Input(None, 94, True, 130, 95, "A", 37.0),
            None,
            "NEWS2 4 within limits (alert ≥ 5) (partial: no RR)",
        ),
        # SpO2 93 (2) + O2 (2) + HR 104 (1) = 5 without an RR
        (
            News2Input(None, 93, True, 130, 104, "A", 37.0),
            "medium",
            "NEWS2 5 ≥ 5 (partial: no RR)",
        ),
        # RR 25 (3) + SpO2 92 (2) + O2 (2) = 7
        (News2Input(25, 92, True, 130, 80, "A", 37.0), "high", "NEWS2 7 ≥ 7"),
        # SpO2 91 alone: 3 in one parameter
        (
            News2Input(16, 91, False, 130, 80, "A", 37.0),
            "medium",
            "NEWS2 3 in one parameter (SpO₂)",
        ),
        (
            News2Input(16, 97, False, 130, 80, "V", None),
            "medium",
            "NEWS2 3 in one parameter (ACVPU) (partial: no temperature)",
        ),
        (News2Input(16, 97, False, 130, 80, "A", 37.0), None, "NEWS2 0 within limits (alert ≥ 5)"),
        (News2Input(16, 96, False, 110, 91, "A", 38.1), None, "NEWS2 3 within limits (alert ≥ 5)"),
    ],
)
def test_news2_rule(inp: News2Input, priority: str | None, message: str) -> None:
    condition = news2_condition(news2(inp))
    assert condition is not None
    assert condition.priority == priority
    assert condition.message == message


def test_news2_rule_needs_a_result() -> None:
    assert news2_condition(None) is None


def test_news2_single_parameter_trigger_rides_on_the_medium_tier() -> None:
    rules = merge_rules(DEFAULT_RULES, [replace(RULES["news2"], medium=None)])
    result = news2(News2Input(16, 91, False, 130, 80, "A", 37.0))
    matches = [c for c in evaluate_reading({}, None, rules, result) if c.rule == "news2"]
    assert matches[0].priority is None


# --- overrides ---------------------------------------------------------------------------


def test_patient_override_raises_sbp_limit() -> None:
    # Known, treated hypertension running at 180s: the physician raises the SBP limit to 190.
    override = replace(RULES["sbp_high"], medium=None, high=Threshold(">=", 190))
    rules = merge_rules(DEFAULT_RULES, [override])
    assert priority("sbp_high", {"systolic": 185}) == "high"  # clinic default
    assert priority("sbp_high", {"systolic": 185}, rules=rules) is None
    assert priority("sbp_high", {"systolic": 189}, rules=rules) is None
    assert priority("sbp_high", {"systolic": 190}, rules=rules) == "high"
    # The other systolic rules are untouched by an sbp_high override.
    assert priority("sbp_low", {"systolic": 88}, rules=rules) == "high"


def test_patient_override_with_a_medium_tier() -> None:
    override = replace(RULES["sbp_high"], medium=Threshold(">", 175), high=Threshold(">=", 190))
    rules = merge_rules(DEFAULT_RULES, [override])
    assert priority("sbp_high", {"systolic": 175}, rules=rules) is None
    assert priority("sbp_high", {"systolic": 185}, rules=rules) == "medium"
    assert priority("sbp_high", {"systolic": 190}, rules=rules) == "high"


def test_merge_keeps_clinic_order_and_replaces_by_code() -> None:
    override = replace(RULES["hr_low"], medium=Threshold("<", 45))
    merged = merge_rules(DEFAULT_RULES, [override])
    assert [r.code for r in merged] == [r.code for r in DEFAULT_RULES]
    assert merged[[r.code for r in merged].index("hr_low")] is override
    assert merge_rules(DEFAULT_RULES, []) == DEFAULT_RULES


def test_merge_keeps_an_override_the_clinic_lacks() -> None:
    clinic = tuple(r for r in DEFAULT_RULES if r.code != "rass_low")
    merged = merge_rules(clinic, [RULES["rass_low"]])
    assert merged[-1] == RULES["rass_low"]
    assert len(merged) == len(DEFAULT_RULES)


# --- overdue -----------------------------------------------------------------------------

DUE = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("late", "priority", "message"),
    [
        (timedelta(minutes=-3), None, "Reading not yet due"),
        (timedelta(0), None, "Reading not yet due"),
        (timedelta(minutes=4), None, "Reading 4 min past due within limits (alert > 5)"),
        (timedelta(minutes=5), None, "Reading 5 min past due within limits (alert > 5)"),
        (timedelta(minutes=5, seconds=1), "medium", "Reading overdue by 5.1 min (> 5)"),
        (timedelta(minutes=6), "medium", "Reading overdue by 6 min (> 5)"),
        (timedelta(minutes=15), "medium", "Reading overdue by 15 min (> 5)"),
        (timedelta(minutes=15, seconds=2), "high", "Reading overdue by 15.1 min (> 15)"),
        (timedelta(minutes=17), "high", "Reading overdue by 17 min (> 15)"),
    ],
)
def test_overdue(late: timedelta, priority: str | None, message: str) -> None:
    condition = overdue_condition(DUE, DUE + late, RULES["overdue"])
    assert condition.priority == priority
    assert condition.message == message
    assert condition.kind == "overdue"


def test_overdue_is_never_decided_by_a_reading() -> None:
    conditions = evaluate_reading({**CALM, "overdue_minutes": 60}, None, DEFAULT_RULES, None)
    assert "overdue" not in {c.rule for c in conditions}


def test_overdue_disabled_clears_and_wrong_kind_raises() -> None:
    disabled = replace(RULES["overdue"], enabled=False)
    assert overdue_condition(DUE, DUE + timedelta(hours=1), disabled).priority is None
    with pytest.raises(ValueError, match="not an overdue rule"):
        overdue_condition(DUE, DUE, RULES["sbp_high"])


# --- validation and JSON -----------------------------------------------------------------


@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=lambda r: r.code)
def test_defaults_are_valid_and_round_trip(rule: Rule) -> None:
    assert validate_rule(rule) == []
    assert rule_from_dict(rule_to_dict(rule)) == rule


def test_rule_to_dict_shape() -> None:
    assert rule_to_dict(RULES["sbp_rise"]) == {
        "code": "sbp_rise",
        "kind": "baseline",
        "parameter": "systolic",
        "medium": {"op": ">=", "value": 40},
        "high": None,
        "enabled": True,
    }


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (
            replace(RULES["sbp_high"], high=Threshold(">=", 150)),
            "high (≥ 150) must be more severe than medium (> 160)",
        ),
        (
            replace(RULES["sbp_high"], high=Threshold(">=", 160)),
            "high (≥ 160) must be more severe than medium (> 160)",
        ),
        (
            replace(RULES["spo2_low"], high=Threshold("<=", 93)),
            "high (≤ 93) must be more severe than medium (≤ 93)",
        ),
        (
            replace(RULES["hr_low"], high=Threshold("<=", 55)),
            "high (≤ 55) must be more severe than medium (< 50)",
        ),
        (
            replace(RULES["sbp_high"], high=Threshold("<=", 90)),
            "medium (> 160) and high (≤ 90) point in different directions",
        ),
        (
            replace(RULES["sbp_low"], medium=Threshold(">", 100), high=Threshold(">=", 110)),
            "sbp_low alerts when the value falls: use < or <=",
        ),
        (replace(RULES["hr_high"], parameter="pulse"), "unknown parameter 'pulse'"),
        (replace(RULES["hr_high"], parameter="spo2"), "hr_high watches heart_rate, not spo2"),
        (replace(RULES["hr_high"], code="temp_high"), "unknown rule code 'temp_high'"),
        (replace(RULES["hr_high"], kind="baseline"), "hr_high must be kind absolute, not baseline"),
        (
            replace(RULES["spo2_low"], medium=Threshold("<=", 930)),
            "medium: 930 is outside 0 to 100",
        ),
        (
            replace(RULES["rr_low"], high=Threshold("<=", float("nan"))),
            "high: nan is outside 0 to 80",
        ),
        (replace(RULES["sbp_rise"], medium=None), "set a medium or a high threshold"),
    ],
)
def test_validate_rule_problems(rule: Rule, problem: str) -> None:
    problems = validate_rule(rule)
    assert any(p.startswith(problem) for p in problems), problems


@pytest.mark.parametrize(
    "rule",
    [
        replace(RULES["sbp_high"], medium=Threshold(">=", 170), high=Threshold(">", 170)),
        replace(RULES["sbp_high"], medium=None),
        replace(RULES["hr_low"], medium=Threshold("<", 45), high=Threshold("<=", 44)),
        replace(RULES["sbp_rise"], medium=Threshold(">=", 30), high=Threshold(">=", 50)),
        replace(RULES["overdue"], enabled=False),
    ],
)
def test_valid_variations(rule: Rule) -> None:
    assert validate_rule(rule) == []


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"kind": "absolute", "parameter": "spo2"}, "code and parameter"),
        ({"code": "x", "kind": "nope", "parameter": "spo2"}, "kind must be"),
        ({"code": "x", "kind": "absolute", "parameter": "spo2", "medium": 93}, "medium must be"),
        (
            {
                "code": "x",
                "kind": "absolute",
                "parameter": "spo2",
                "high": {"op": "=<", "value": 1},
            },
            "high.op",
        ),
        (
            {
                "code": "x",
                "kind": "absolute",
                "parameter": "spo2",
                "high": {"op": "<=", "value": True},
            },
            "high.value",
        ),
        (
            {
                "code": "x",
                "kind": "absolute",
                "parameter": "spo2",
                "high": {"op": "<=", "value": "90"},
            },
            "high.value",
        ),
        ({"code": "x", "kind": "absolute", "parameter": "spo2", "enabled": "yes"}, "enabled"),
    ],
)
def test_rule_from_dict_rejects_malformed(data: dict[str, object], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        rule_from_dict(data)


# --- properties --------------------------------------------------------------------------

calm_readings = st.fixed_dictionaries(
    {
        "systolic": st.integers(101, 160),
        "diastolic": st.integers(40, 100),
        "heart_rate": st.integers(51, 110),
        "spo2": st.integers(94, 100),
        "respiratory_rate": st.one_of(st.none(), st.integers(11, 20)),
        "sedation_rass": st.one_of(st.none(), st.integers(-1, 4)),
    }
)


@given(
    reading=calm_readings,
    sbp_drop=st.integers(-39, 60),
    dbp_drop=st.integers(-24, 60),
    temperature=st.one_of(st.none(), st.integers(361, 380).map(lambda t: t / 10)),
    minutes_late=st.integers(-600, 300),
)
def test_reading_inside_every_default_limit_never_breaches(
    reading: dict[str, float | int | None],
    sbp_drop: int,
    dbp_drop: int,
    temperature: float | None,
    minutes_late: int,
) -> None:
    # Baseline anywhere up to 39 / 24 mmHg below the reading, or above it.
    assert reading["systolic"] is not None
    assert reading["diastolic"] is not None
    baseline = {
        "systolic": reading["systolic"] + sbp_drop,
        "diastolic": reading["diastolic"] + dbp_drop,
    }
    score = news2(_news2_input(reading, temperature_c=temperature))
    conditions = evaluate_reading(reading, baseline, DEFAULT_RULES, score)
    assert [c for c in conditions if c.priority is not None] == []
    overdue = overdue_condition(DUE, DUE + timedelta(seconds=minutes_late), RULES["overdue"])
    assert overdue.priority is None


# Beyond each absolute high limit, up to the edge of plausibility (DESIGN §2).
BEYOND_HIGH = {
    "sbp_high": st.integers(180, 300),
    "dbp_high": st.integers(110, 299),
    "sbp_low": st.integers(1, 90),
    "hr_high": st.integers(130, 300),
    "hr_low": st.integers(0, 40),
    "spo2_low": st.integers(0, 90),
    "rr_low": st.integers(0, 8),
    "rr_high": st.integers(25, 80),
    "rass_low": st.integers(-5, -4),
}


@given(data=st.data(), reading=calm_readings, code=st.sampled_from(sorted(BEYOND_HIGH)))
def test_any_vital_beyond_its_high_limit_is_high(
    data: st.DataObject, reading: dict[str, float | int | None], code: str
) -> None:
    value = data.draw(BEYOND_HIGH[code], label=code)
    rule = RULES[code]
    pushed = {**reading, rule.parameter: value}
    condition = only(code, pushed, CALM_BASELINE)
    assert condition is not None
    assert condition.priority == "high"
    assert rule.high is not None
    assert condition.limit == rule.high.value


@given(
    rr=st.integers(0, 60),
    spo2=st.integers(50, 100),
    o2=st.booleans(),
    sbp=st.integers(50, 260),
    hr=st.integers(20, 200),
    acvpu=st.sampled_from("ACVPU"),
    temp=st.integers(330, 420).map(lambda t: t / 10),
)
def test_news2_rule_follows_the_news2_band(
    rr: int, spo2: int, o2: bool, sbp: int, hr: int, acvpu: str, temp: float
) -> None:
    result = news2(News2Input(rr, spo2, o2, sbp, hr, acvpu, temp))
    condition = news2_condition(result)
    assert condition is not None
    expected = {"high": "high", "medium": "medium", "low_medium": "medium", "low": None}
    assert condition.priority == expected[result.band]


# One alert per parameter: a baseline rule's breach joins its absolute rule's alert.
@pytest.mark.parametrize(
    ("values", "baseline", "expected"),
    [
        # Both systolic rules breached: the higher wins, the message names both.
        (
            {"systolic": 186},
            {"systolic": 128},
            [("sbp_high", "high", "SBP 186 ≥ 180, +58 over baseline 128")],
        ),
        (
            {"systolic": 170},
            {"systolic": 128},
            [("sbp_high", "medium", "SBP 170 > 160, +42 over baseline 128")],
        ),
        # The rise alone is the systolic alert.
        (
            {"systolic": 150},
            {"systolic": 104},
            [("sbp_high", "medium", "SBP rise +46 ≥ 40 over baseline 104 (now 150)")],
        ),
        # The absolute limit alone.
        (
            {"systolic": 165},
            {"systolic": 140},
            [("sbp_high", "medium", "SBP 165 > 160 (baseline 140)")],
        ),
        # A fall below the low limit is a different alert from a rise.
        ({"systolic": 88}, {"systolic": 128}, [("sbp_low", "high", "SBP 88 ≤ 90 (baseline 128)")]),
        (
            {"diastolic": 112},
            {"diastolic": 80},
            [("dbp_high", "high", "DBP 112 ≥ 110, +32 over baseline 80")],
        ),
    ],
)
def test_combine_keeps_one_condition_per_parameter(
    values: dict[str, float], baseline: dict[str, float], expected: list[tuple[str, str, str]]
) -> None:
    combined = combine(evaluate_reading(values, baseline, DEFAULT_RULES, None))
    breached = [(c.rule, c.priority, c.message) for c in combined if c.priority is not None]
    assert breached == expected


def test_combine_clears_a_parameter_only_when_every_rule_is_clear() -> None:
    clear = combine(evaluate_reading({"systolic": 130}, {"systolic": 128}, DEFAULT_RULES, None))
    by_rule = {c.rule: c for c in clear}
    assert by_rule["sbp_high"].priority is None
    assert "sbp_rise" not in by_rule
    rise_only = combine(evaluate_reading({"systolic": 158}, {"systolic": 110}, DEFAULT_RULES, None))
    high = next(c for c in rise_only if c.rule == "sbp_high")
    assert (high.priority, high.kind, high.value, high.limit) == ("medium", "baseline", 158, 150)


def test_every_baseline_rule_has_an_absolute_partner() -> None:
    for rule in DEFAULT_RULES:
        if rule.kind == "baseline":
            assert GROUP[rule.code] != rule.code
            assert RULES[GROUP[rule.code]].parameter == rule.parameter
