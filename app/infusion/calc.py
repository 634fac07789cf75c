"""Infusion arithmetic and the pump log's meaning. Pure: no I/O, tested directly.

Rates are in mg/kg/h (what the order says) and mL/h (what the pump is set to); the two are
related by the patient's weight and the bag's concentration. The delivered dose is the rate
integrated over the running stretches of the log, plus boluses: it is computed, never typed.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

EventKind = Literal["start", "pause", "resume", "rate_change", "bolus", "stop"]
# A verifier's mL/h may differ from the computed one by rounding on the pump's display.
ML_PER_H_TOLERANCE = 0.1


def planned_dose_mg(weight_kg: float, dose_mg_per_kg: float) -> float:
    return round(weight_kg * dose_mg_per_kg, 1)


def ml_per_h(rate_mg_per_kg_h: float, *, weight_kg: float, mg_per_ml: float) -> float:
    return round(rate_mg_per_kg_h * weight_kg / mg_per_ml, 1)


def mg_per_kg_h(rate_ml_per_h: float, *, weight_kg: float, mg_per_ml: float) -> float:
    return round(rate_ml_per_h * mg_per_ml / weight_kg, 3)


def minutes_to_deliver(dose_mg: float, rate_mg_per_kg_h: float, weight_kg: float) -> float:
    return round(dose_mg / (rate_mg_per_kg_h * weight_kg) * 60, 1)


def verification_problem(*, computed_ml_per_h: float, checked_ml_per_h: float) -> str | None:
    if abs(computed_ml_per_h - checked_ml_per_h) > ML_PER_H_TOLERANCE:
        return (
            f"the second check gives {checked_ml_per_h:g} mL/h but the order computes "
            f"{computed_ml_per_h:g} mL/h: recalculate before starting"
        )
    return None


@dataclass(frozen=True)
class LogEntry:
    kind: EventKind
    at: datetime
    rate_mg_per_kg_h: float | None = None
    bolus_mg: float | None = None


@dataclass(frozen=True)
class PumpState:
    """The log folded up to its last entry. `delivered_mg` is as of `as_of`; while running the
    dose grows by `rate_mg_per_h` from then on."""

    status: Literal["not_started", "running", "paused", "stopped"] = "not_started"
    rate_mg_per_kg_h: float = 0
    rate_mg_per_h: float = 0
    delivered_mg: float = 0
    bolus_mg: float = 0
    running_seconds: float = 0
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    as_of: datetime | None = None

    def delivered_at(self, now: datetime) -> float:
        if self.status != "running" or self.as_of is None:
            return self.delivered_mg
        return self.delivered_mg + self.rate_mg_per_h * _hours(now - self.as_of)

    def running_seconds_at(self, now: datetime) -> float:
        if self.status != "running" or self.as_of is None:
            return self.running_seconds
        return self.running_seconds + (now - self.as_of).total_seconds()


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


ALLOWED: dict[str, frozenset[EventKind]] = {
    "not_started": frozenset({"start"}),
    "running": frozenset({"pause", "rate_change", "bolus", "stop"}),
    "paused": frozenset({"resume", "rate_change", "bolus", "stop"}),
    "stopped": frozenset(),
}


def entry_problem(state: PumpState, entry: LogEntry) -> str | None:
    """Why this entry cannot follow the log so far (a sentence), or None."""
    if entry.kind not in ALLOWED[state.status]:
        if state.status == "stopped":
            return "the infusion has stopped; nothing more can be given through this record"
        doing, status = entry.kind.replace("_", " "), state.status.replace("_", " ")
        return f"cannot {doing} while the infusion is {status}"
    if state.as_of is not None and entry.at < state.as_of:
        return "an infusion event cannot be earlier than the one before it"
    if entry.kind in ("start", "rate_change") and not entry.rate_mg_per_kg_h:
        return f"a {entry.kind.replace('_', ' ')} needs the rate in mg/kg/h"
    if entry.kind == "bolus" and not entry.bolus_mg:
        return "a bolus needs its dose in mg"
    return None


def apply(state: PumpState, entry: LogEntry, *, weight_kg: float) -> PumpState:
    """The state after `entry`, which `entry_problem` has accepted."""
    now = entry.at
    s = replace(
        state,
        delivered_mg=state.delivered_at(now),
        running_seconds=state.running_seconds_at(now),
        as_of=now,
    )
    if entry.kind == "start":
        rate = entry.rate_mg_per_kg_h or 0
        return replace(
            s,
            status="running",
            started_at=now,
            rate_mg_per_kg_h=rate,
            rate_mg_per_h=rate * weight_kg,
        )
    if entry.kind == "pause":
        return replace(s, status="paused")
    if entry.kind == "resume":
        return replace(s, status="running")
    if entry.kind == "rate_change":
        rate = entry.rate_mg_per_kg_h or 0
        return replace(s, rate_mg_per_kg_h=rate, rate_mg_per_h=rate * weight_kg)
    if entry.kind == "bolus":
        bolus = entry.bolus_mg or 0
        return replace(s, delivered_mg=s.delivered_mg + bolus, bolus_mg=s.bolus_mg + bolus)
    return replace(s, status="stopped", stopped_at=now)


def fold(entries: Iterable[LogEntry], *, weight_kg: float) -> PumpState:
    state = PumpState()
    for entry in entries:
        state = apply(state, entry, weight_kg=weight_kg)
    return state
