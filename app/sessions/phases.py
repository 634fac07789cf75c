"""The phase graph and its guards (DESIGN §1). Pure: no I/O, tested directly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.config import Settings
from app.protocols.rules import ProtocolRules

if TYPE_CHECKING:
    # Only named in annotations: the models import ACTIVE from here.
    from app.alerts.models import Alert
    from app.sessions.models import InfusionSession

ACTIVE = ("pre_infusion", "infusion", "paused", "recovery")
TERMINAL = ("discharged", "aborted")
# paused → recovery: an infusion stopped early during a pause (e.g. for a side effect) still
# needs its recovery observation, so it may go straight there.
GRAPH: dict[str, frozenset[str]] = {
    "pre_infusion": frozenset({"infusion", "aborted"}),
    "infusion": frozenset({"paused", "recovery", "aborted"}),
    "paused": frozenset({"infusion", "recovery", "aborted"}),
    "recovery": frozenset({"discharged", "aborted"}),
    "discharged": frozenset(),
    "aborted": frozenset(),
}
CHECKLIST_LABELS = {
    "identity_checked": "identity checked with two identifiers",
    "consent_signed": "consent signed",
    "fasting_confirmed": "fasting confirmed",
    "escort_confirmed": "escort/driver confirmed",
}


@dataclass(frozen=True)
class Verdict:
    """`blocked`: conditions no one may override. `overridable`: a physician may, with a reason."""

    blocked: list[str] = field(default_factory=list)
    overridable: list[str] = field(default_factory=list)


def baseline_bp_problem(
    baseline: tuple[int, int] | None, max_systolic: int, max_diastolic: int
) -> str | None:
    if baseline is None:
        return None
    sbp, dbp = baseline
    if sbp > max_systolic or dbp > max_diastolic:
        return (
            f"baseline blood pressure {sbp}/{dbp} is above {max_systolic}/{max_diastolic}: "
            "a physician must override with a reason to start"
        )
    return None


def check_transition(
    *,
    phase: str,
    to: str,
    checklist: dict[str, bool],
    baseline: tuple[int, int] | None,
    max_systolic: int,
    max_diastolic: int,
    discharge_unmet: list[str],
    screening: str | None = None,
    unscreened: str | None = None,
) -> Verdict:
    """`screening`: why the screening form stops the start (a physician overrides it there);
    `unscreened`: that no form was recorded, which a physician may override at the start."""
    if phase in TERMINAL:
        return Verdict(blocked=[f"the session is already {phase}"])
    if to not in GRAPH[phase]:
        return Verdict(blocked=[f"a session in {phase} cannot go to {to}"])
    if to == "infusion" and phase == "pre_infusion":
        blocked = [
            f"checklist: {label} is not done"
            for key, label in CHECKLIST_LABELS.items()
            if not checklist.get(key)
        ]
        if baseline is None:
            blocked.append("no baseline reading has been recorded")
        if screening:
            blocked.append(screening)
        gate = baseline_bp_problem(baseline, max_systolic, max_diastolic)
        return Verdict(blocked=blocked, overridable=[p for p in (unscreened, gate) if p])
    if to == "discharged":
        return Verdict(overridable=list(discharge_unmet))
    return Verdict()


def record_closed(s: InfusionSession, now: datetime, settings: Settings) -> str | None:
    """Why the record of an ended session takes no late entry, addendum or correction now;
    None while it still does (DESIGN §2)."""
    hours = settings.late_entry_hours
    if s.ended_at is not None and now - s.ended_at > timedelta(hours=hours):
        return f"This session ended more than {hours:g} hours ago; its record is closed."
    return None


def rules_of(s: InfusionSession) -> ProtocolRules:
    """The rules the session was created under (its protocol, frozen then)."""
    return ProtocolRules.model_validate(s.protocol_rules)


def cadence_seconds(phase: str, rules: ProtocolRules) -> float | None:
    if phase in ("infusion", "paused"):
        return rules.infusion_check_seconds
    if phase == "recovery":
        return rules.recovery_check_seconds
    return None


def alert_cadence_seconds(alerts: Iterable[Alert], settings: Settings) -> float | None:
    """After a medium or high alert the next reading is due sooner (DESIGN §3); the overdue
    alert is about the readings themselves and a safety alert (PHQ-9 item 9) about the patient's
    answers, not their vitals, and a technical alert (a monitor gone silent) about the
    equipment: none of them shortens anything."""
    priorities = {
        a.priority
        for a in alerts
        if a.state != "resolved" and a.kind not in ("overdue", "safety", "technical")
    }
    if "high" in priorities:
        return settings.recheck_after_high_seconds
    if "medium" in priorities:
        return settings.recheck_after_medium_seconds
    return None


def next_due(
    s: InfusionSession,
    charted_at: datetime | None,
    *,
    alerts: Iterable[Alert] = (),
    settings: Settings | None = None,
) -> datetime | None:
    """Readings are due a cadence after the later of the phase start and the last charted
    reading (`read.charted`: a nurse's, or a monitor's she validated); a baseline is due from
    the start of the session, and an open alert shortens the cadence."""
    if s.phase not in ACTIVE:
        return None
    cadence = cadence_seconds(s.phase, rules_of(s))
    sooner = alert_cadence_seconds(alerts, settings) if settings is not None else None
    if sooner is not None:
        cadence = sooner if cadence is None else min(cadence, sooner)
    if cadence is None:
        if s.phase == "pre_infusion" and s.baseline_reading_id is None:
            return s.phase_started_at
        return None
    anchor = s.phase_started_at
    if charted_at is not None and charted_at > anchor:
        anchor = charted_at
    return anchor + timedelta(seconds=cadence)
