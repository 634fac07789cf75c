"""Discharge criteria (DESIGN §1). Pure: no I/O."""

from datetime import datetime, timedelta

from app.protocols.rules import CheckResult, ProtocolRules, checkpoint_checks, observation_check

ALDRETE_MIN = 9
BP_TOLERANCE = 0.20


def within_tolerance(value: int, baseline: int) -> bool:
    return abs(value - baseline) <= BP_TOLERANCE * baseline


def discharge_criteria(
    *,
    aldrete_total: int | None,
    baseline: tuple[int, int] | None,
    latest: tuple[int, int] | None,
    has_active_high_alert: bool,
    escort_confirmed: bool,
    recovery_started_at: datetime | None,
    rules: ProtocolRules,
    dosed_at: datetime | None,
    bp_times: list[datetime],
    now: datetime,
) -> list[CheckResult]:
    """The criteria for discharge, with the protocol's own (observation time, checkpoints)."""
    min_recovery_minutes = rules.min_recovery_minutes
    if aldrete_total is None:
        aldrete = CheckResult("aldrete", False, "modified Aldrete score not recorded")
    else:
        aldrete = CheckResult(
            "aldrete",
            aldrete_total >= ALDRETE_MIN,
            f"modified Aldrete {aldrete_total} (needs ≥ {ALDRETE_MIN})",
        )

    if baseline is None or latest is None:
        bp = CheckResult("blood_pressure", False, "no baseline or no recent reading to compare")
    else:
        ok = within_tolerance(latest[0], baseline[0]) and within_tolerance(latest[1], baseline[1])
        bp = CheckResult(
            "blood_pressure",
            ok,
            f"BP {latest[0]}/{latest[1]} vs baseline {baseline[0]}/{baseline[1]} "
            f"({'within' if ok else 'outside'} ±{BP_TOLERANCE:.0%})",
        )

    alerts = CheckResult(
        "no_high_alert",
        not has_active_high_alert,
        "an unacknowledged high alert is open" if has_active_high_alert else "no active high alert",
    )
    escort = CheckResult(
        "escort",
        escort_confirmed,
        "escort/driver confirmed" if escort_confirmed else "escort/driver not confirmed",
    )

    if recovery_started_at is None:
        time_ok, elapsed = False, 0.0
    else:
        elapsed = (now - recovery_started_at) / timedelta(minutes=1)
        time_ok = elapsed >= min_recovery_minutes
    recovery = CheckResult(
        "recovery_time",
        time_ok,
        f"{elapsed:.0f} of at least {min_recovery_minutes:g} min in recovery",
    )
    observed = observation_check(rules, dosed_at=dosed_at, now=now)
    checkpoints = checkpoint_checks(rules, bp_times=bp_times, dosed_at=dosed_at, now=now)
    return [aldrete, bp, alerts, escort, recovery, *([observed] if observed else []), *checkpoints]


def unmet(criteria: list[CheckResult]) -> list[str]:
    return [c.detail for c in criteria if not c.met]
