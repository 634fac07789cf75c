"""Alarm burden on a simulated clinic day (docs/alarm-burden.md).

`uv run python -m bench.burden [--days 5] [--seed 1]`

The demo's six chairs (`app.demo.demo_chairs`: four normal, one with bradycardia mid-infusion,
one desaturating in recovery), each running sessions back to back through a clinic day, a new
patient (new baselines) each time, with the demo's vitals (`Chair.vitals`: ketamine's blood
pressure and heart-rate rise, noise) at the demo's cadence: a baseline, a reading every 5 min
through the 40 min infusion and the 30 min of recovery. Every reading goes through the clinic's
default rules and the alert lifecycle exactly as the server applies them (`evaluate_reading`,
`combine`, `fold_condition`: one alert per parameter, high alerts latch), in clinical time,
without a server. A nurse acknowledges each high alert when it is raised. Overdue (technical)
alerts are not simulated: the readings are on time.

An alert is **non-actionable** when its condition cleared by itself at the next reading (within
one reading interval, 5 clinical minutes) and it did not overlap one of the chair's scripted
clinical events. The simulation never treats anyone, so "cleared by itself" is literal: a
reading breached a limit and the patient, untouched, was back within it 5 minutes later. Every
other alert (sustained over two readings or more, or during a scripted event) counts as one a
nurse or physician had to look at.
"""

import argparse
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.alerts.models import Alert
from app.alerts.news2 import News2Input, news2
from app.alerts.rules import DEFAULT_RULES, Rule, combine, evaluate_reading
from app.alerts.service import fold_condition
from app.demo import Chair, demo_chairs
from app.vitals.codes import VITALS

INTERVAL_MIN = 5.0
INFUSION_MIN = 40.0
RECOVERY_MIN = 30.0
# Admission, checklist, baseline, then turnover of the chair: the demo's 5 + 8 minutes.
TURNOVER_MIN = 13.0
DAY_MIN = 10 * 60.0
# The demo's scripted events: (event, phase, first minute, last minute).
EVENTS = {
    "bradycardia": ("infusion", 20.0, 26.0),
    "desaturation": ("recovery", 4.0, 10.0),
}


@dataclass
class Tracked:
    alert: Alert
    raised_min: float
    cleared_min: float | None = None
    readings: int = 1  # readings that breached while it was open
    during_event: bool = False

    @property
    def non_actionable(self) -> bool:
        transient = (
            self.cleared_min is not None and self.cleared_min - self.raised_min <= INTERVAL_MIN
        )
        return transient and not self.during_event


@dataclass
class SessionResult:
    chair: str
    event: str | None
    alerts: list[Tracked] = field(default_factory=list)

    @property
    def normal(self) -> bool:
        return self.event is None


def schedule() -> Iterator[tuple[str, float, float]]:
    """(phase, minute of the phase, minute of the session) of each reading."""
    yield "pre_infusion", 0.0, 0.0
    minute = 0.0
    while minute < INFUSION_MIN:
        yield "infusion", minute, 5 + minute
        minute += INTERVAL_MIN
    minute = 0.0
    while minute <= RECOVERY_MIN:
        yield "recovery", minute, 5 + INFUSION_MIN + minute
        minute += INTERVAL_MIN


def in_event(chair: Chair, phase: str, minute: float) -> bool:
    if chair.event is None:
        return False
    when, first, last = EVENTS[chair.event]
    return phase == when and first <= minute <= last


def news2_of(values: dict[str, Any]) -> News2Input:
    return News2Input(
        respiratory_rate=values["respiratory_rate"],
        spo2=values["spo2"],
        on_oxygen=False,
        systolic=values["systolic"],
        heart_rate=values["heart_rate"],
        consciousness=values["consciousness"],
        temperature_c=values["temperature_c"],
    )


def simulate_session(chair: Chair, rules: Sequence[Rule], start: datetime) -> SessionResult:
    result = SessionResult(chair.location, chair.event)
    by_code = {r.code: r for r in rules}
    session_id = uuid.uuid4()
    opened: dict[str, Alert] = {}
    tracked: dict[uuid.UUID, Tracked] = {}
    baseline: dict[str, Any] | None = None
    for phase, minute, at in schedule():
        values = chair.vitals(phase, minute)
        vitals = {f: values.get(f) for f in VITALS}
        if baseline is None:
            baseline = vitals
        now = start + timedelta(minutes=at)
        eventful = in_event(chair, phase, minute)
        conditions = combine(evaluate_reading(vitals, baseline, rules, news2(news2_of(values))))
        for condition in conditions:
            change = fold_condition(
                session_id=session_id,
                condition=condition,
                rule=by_code.get(condition.rule),
                reading_id=None,
                now=now,
                alert=opened.get(condition.rule),
            )
            if change is None:
                continue
            alert, kind = change
            if kind == "alert.raised":
                tracked[alert.id] = Tracked(alert, at, during_event=eventful)
                result.alerts.append(tracked[alert.id])
            elif condition.priority is not None:
                tracked[alert.id].readings += 1
                tracked[alert.id].during_event |= eventful
            if condition.priority is None and tracked[alert.id].cleared_min is None:
                tracked[alert.id].cleared_min = at
            elif condition.priority is not None:
                tracked[alert.id].cleared_min = None
            if alert.priority == "high" and alert.state == "active":
                # The nurse at the chair answers it at once.
                alert.state, alert.acknowledged_at = "acknowledged", now
            if alert.state == "resolved":
                opened.pop(condition.rule, None)
            else:
                opened[condition.rule] = alert
    return result


def clinic_day(days: int, seed: int, rules: Sequence[Rule] = DEFAULT_RULES) -> list[SessionResult]:
    rng = random.Random(seed)
    sessions = []
    start = datetime(2026, 12, 1, 8, tzinfo=UTC)
    per_session = 5 + INFUSION_MIN + RECOVERY_MIN + TURNOVER_MIN
    for _ in range(days):
        minute = 0.0
        while minute + per_session <= DAY_MIN:
            for chair in demo_chairs(rng):
                sessions.append(simulate_session(chair, rules, start + timedelta(minutes=minute)))
            minute += per_session
        start += timedelta(days=1)
    return sessions


@dataclass(frozen=True)
class Burden:
    normal_sessions: int
    eventful_sessions: int
    alerts_per_normal: float
    non_actionable_per_normal: float
    eventful_alerts: int
    eventful_detected: int  # eventful sessions whose event raised an alert
    by_rule: dict[str, tuple[int, int]]  # normal sessions: rule -> (alerts, non-actionable)


def burden(sessions: Sequence[SessionResult]) -> Burden:
    normal = [s for s in sessions if s.normal]
    eventful = [s for s in sessions if not s.normal]
    by_rule: dict[str, tuple[int, int]] = {}
    for s in normal:
        for t in s.alerts:
            total, quiet = by_rule.get(t.alert.rule, (0, 0))
            by_rule[t.alert.rule] = (total + 1, quiet + t.non_actionable)
    alerts = sum(len(s.alerts) for s in normal)
    quiet = sum(t.non_actionable for s in normal for t in s.alerts)
    return Burden(
        normal_sessions=len(normal),
        eventful_sessions=len(eventful),
        alerts_per_normal=alerts / len(normal),
        non_actionable_per_normal=quiet / len(normal),
        eventful_alerts=sum(len(s.alerts) for s in eventful),
        eventful_detected=sum(any(t.during_event for t in s.alerts) for s in eventful),
        by_rule=dict(sorted(by_rule.items())),
    )


def report(b: Burden) -> str:
    lines = [
        f"{b.normal_sessions} normal and {b.eventful_sessions} eventful sessions",
        f"normal sessions: {b.alerts_per_normal:.2f} alerts each, "
        f"{b.non_actionable_per_normal:.2f} non-actionable each",
        f"eventful sessions: {b.eventful_alerts} alerts; the scripted event raised an alert in "
        f"{b.eventful_detected} of {b.eventful_sessions}",
        "normal sessions by rule (alerts, non-actionable):",
    ]
    lines += [f"  {rule:<10} {total:>5} {quiet:>5}" for rule, (total, quiet) in b.by_rule.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.burden", description=__doc__)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(report(burden(clinic_day(args.days, args.seed))))


if __name__ == "__main__":
    main()
