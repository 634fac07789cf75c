"""The pump log's arithmetic, by clinical cases."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.infusion import calc
from app.infusion.calc import LogEntry, PumpState

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_order_arithmetic():
    # 80 kg at 0.5 mg/kg = 40 mg; 0.75 mg/kg/h of a 1 mg/mL bag = 60 mL/h, 40 min to deliver.
    assert calc.planned_dose_mg(80, 0.5) == 40
    assert calc.ml_per_h(0.75, weight_kg=80, mg_per_ml=1) == 60
    assert calc.mg_per_kg_h(60, weight_kg=80, mg_per_ml=1) == 0.75
    assert calc.minutes_to_deliver(40, 0.75, 80) == 40
    # 100 mg in 250 mL: 0.4 mg/mL.
    assert calc.ml_per_h(0.5, weight_kg=70, mg_per_ml=0.4) == 87.5


@given(
    rate=st.floats(0.05, 5),
    weight=st.floats(25, 300),
    conc=st.floats(0.1, 50),
)
def test_mg_per_kg_h_and_ml_per_h_round_trip(rate: float, weight: float, conc: float) -> None:
    ml = calc.ml_per_h(rate, weight_kg=weight, mg_per_ml=conc)
    # Rounding the pump rate to 0.1 mL/h moves the dose rate by at most 0.05 mL/h's worth.
    assert abs(calc.mg_per_kg_h(ml, weight_kg=weight, mg_per_ml=conc) - rate) <= (
        0.05 * conc / weight + 0.0005
    )


def test_rate_change_and_pause_deliver_what_ran():
    log = [
        LogEntry("start", at(0), rate_mg_per_kg_h=0.75),  # 60 mg/h at 80 kg
        LogEntry("pause", at(10)),  # 10 mg
        LogEntry("resume", at(15)),
        LogEntry("rate_change", at(20), rate_mg_per_kg_h=0.375),  # +5 mg, then 30 mg/h
        LogEntry("stop", at(40)),  # +10 mg
    ]
    state = calc.fold(log, weight_kg=80)
    assert state.status == "stopped"
    assert state.delivered_mg == pytest.approx(25)
    assert state.running_seconds == 35 * 60
    assert (state.started_at, state.stopped_at) == (at(0), at(40))


def test_running_infusion_grows_from_its_last_entry():
    state = calc.fold([LogEntry("start", at(0), rate_mg_per_kg_h=0.5)], weight_kg=60)
    assert state.delivered_at(at(30)) == pytest.approx(15)
    assert state.running_seconds_at(at(30)) == 1800
    paused = calc.apply(state, LogEntry("pause", at(30)), weight_kg=60)
    assert paused.delivered_at(at(90)) == pytest.approx(15)


def test_bolus_adds_to_the_delivered_dose():
    log = [
        LogEntry("start", at(0), rate_mg_per_kg_h=0.5),
        LogEntry("bolus", at(6), bolus_mg=5),
    ]
    state = calc.fold(log, weight_kg=60)
    assert state.delivered_mg == pytest.approx(3 + 5)
    assert state.bolus_mg == 5


@pytest.mark.parametrize(
    ("log", "entry", "problem"),
    [
        ([], LogEntry("pause", at(1)), "cannot pause while the infusion is not started"),
        ([], LogEntry("start", at(0)), "a start needs the rate in mg/kg/h"),
        (
            [LogEntry("start", at(0), 0.5)],
            LogEntry("resume", at(1)),
            "cannot resume while the infusion is running",
        ),
        (
            [LogEntry("start", at(10), 0.5)],
            LogEntry("pause", at(5)),
            "an infusion event cannot be earlier than the one before it",
        ),
        (
            [LogEntry("start", at(0), 0.5), LogEntry("stop", at(30))],
            LogEntry("bolus", at(31), bolus_mg=5),
            "the infusion has stopped; nothing more can be given through this record",
        ),
        ([LogEntry("start", at(0), 0.5)], LogEntry("bolus", at(1)), "a bolus needs its dose in mg"),
    ],
)
def test_log_entries_out_of_order_are_refused(log, entry, problem):
    assert calc.entry_problem(calc.fold(log, weight_kg=70), entry) == problem


def test_second_check_tolerates_display_rounding_only():
    assert calc.verification_problem(computed_ml_per_h=87.5, checked_ml_per_h=87.5) is None
    assert calc.verification_problem(computed_ml_per_h=87.5, checked_ml_per_h=87.6) is None
    assert "875 mL/h" in str(
        calc.verification_problem(computed_ml_per_h=87.5, checked_ml_per_h=875)
    )
    assert PumpState().delivered_at(at(5)) == 0
