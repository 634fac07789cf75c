from datetime import UTC, datetime, timedelta

import pytest

from app.protocols.rules import IV_KETAMINE
from app.sessions.discharge import discharge_criteria, unmet, within_tolerance
from app.sessions.phases import GRAPH, check_transition

ALL_DONE = {
    "identity_checked": True,
    "consent_signed": True,
    "fasting_confirmed": True,
    "escort_confirmed": True,
}


def verdict(phase: str, to: str, **kw):  # type: ignore[no-untyped-def]
    args = {
        "checklist": ALL_DONE,
        "baseline": (120, 80),
        "max_systolic": 140,
        "max_diastolic": 90,
        "discharge_unmet": [],
    } | kw
    return check_transition(phase=phase, to=to, **args)


@pytest.mark.parametrize(
    ("phase", "to", "allowed"),
    [
        ("pre_infusion", "infusion", True),
        ("pre_infusion", "recovery", False),
        ("pre_infusion", "discharged", False),
        ("pre_infusion", "aborted", True),
        ("infusion", "paused", True),
        ("infusion", "recovery", True),
        ("infusion", "discharged", False),
        ("paused", "infusion", True),
        ("paused", "recovery", True),
        ("recovery", "discharged", True),
        ("recovery", "infusion", False),
        ("recovery", "aborted", True),
        ("discharged", "aborted", False),
        ("aborted", "infusion", False),
    ],
)
def test_phase_graph(phase, to, allowed):
    result = verdict(phase, to)
    assert (not result.blocked) is allowed


def test_every_active_phase_can_abort():
    assert all("aborted" in GRAPH[p] for p in ("pre_infusion", "infusion", "paused", "recovery"))


def test_start_lists_each_missing_checklist_item_and_baseline():
    result = verdict("pre_infusion", "infusion", checklist={"consent_signed": True}, baseline=None)
    assert result.blocked == [
        "checklist: identity checked with two identifiers is not done",
        "checklist: fasting confirmed is not done",
        "checklist: escort/driver confirmed is not done",
        "no baseline reading has been recorded",
    ]


@pytest.mark.parametrize(
    ("baseline", "gated"),
    [((140, 90), False), ((141, 80), True), ((120, 91), True), ((139, 89), False)],
)
def test_baseline_bp_gate_is_overridable(baseline, gated):
    result = verdict("pre_infusion", "infusion", baseline=baseline)
    assert result.blocked == []
    assert bool(result.overridable) is gated


def test_discharge_unmet_criteria_are_overridable():
    result = verdict("recovery", "discharged", discharge_unmet=["modified Aldrete 7 (needs ≥ 9)"])
    assert result.blocked == [] and result.overridable == ["modified Aldrete 7 (needs ≥ 9)"]


NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def criteria(**kw):  # type: ignore[no-untyped-def]
    args = {
        "aldrete_total": 10,
        "baseline": (120, 80),
        "latest": (125, 82),
        "has_active_high_alert": False,
        "escort_confirmed": True,
        "recovery_started_at": NOW - timedelta(minutes=31),
        "rules": IV_KETAMINE,
        "dosed_at": NOW - timedelta(minutes=75),
        "bp_times": [NOW - timedelta(minutes=5)],
        "now": NOW,
    } | kw
    return discharge_criteria(**args)


def test_all_criteria_met():
    assert unmet(criteria()) == []


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"aldrete_total": 8}, "aldrete"),
        ({"aldrete_total": None}, "aldrete"),
        ({"latest": (145, 82)}, "blood_pressure"),
        ({"latest": (120, 97)}, "blood_pressure"),
        ({"latest": None}, "blood_pressure"),
        ({"has_active_high_alert": True}, "no_high_alert"),
        ({"escort_confirmed": False}, "escort"),
        ({"recovery_started_at": NOW - timedelta(minutes=29)}, "recovery_time"),
        ({"recovery_started_at": None}, "recovery_time"),
    ],
)
def test_each_criterion_can_fail_alone(change, name):
    failing = [c.name for c in criteria(**change) if not c.met]
    assert failing == [name]


@pytest.mark.parametrize(
    ("value", "baseline", "ok"),
    [(144, 120, True), (145, 120, False), (96, 120, True), (95, 120, False)],
)
def test_bp_tolerance_is_twenty_percent(value, baseline, ok):
    assert within_tolerance(value, baseline) is ok


def test_aldrete_nine_is_enough():
    assert [c.met for c in criteria(aldrete_total=9) if c.name == "aldrete"] == [True]
