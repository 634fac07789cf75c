"""Alert rules as data, and their evaluation against one reading. Pure: no I/O.

A rule has up to two thresholds (medium, high; IEC 60601-1-8 priorities). Evaluating a rule
gives one `Condition`: the most severe priority breached, or a *clear* (priority None) that
lets the alert service resolve an open alert. A parameter absent from the reading gives no
condition at all: not measured is not the same as normal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, cast, get_args

from app.alerts.news2 import News2Result
from app.vitals.codes import VITALS

Op = Literal[">", ">=", "<", "<="]
Priority = Literal["high", "medium", "low"]
Kind = Literal["absolute", "baseline", "news2", "overdue"]
# Alerts that no admin rule configures: a monitor gone silent (`silent_condition`).
TECHNICAL = "technical"
MONITOR_SILENT = "monitor_silent"

_UPWARD: frozenset[str] = frozenset({">", ">="})
_OPS: tuple[str, ...] = get_args(Op)
_KINDS: tuple[str, ...] = get_args(Kind)


@dataclass(frozen=True)
class Threshold:
    op: Op
    value: float

    def breached_by(self, value: float) -> bool:
        if self.op == ">":
            return value > self.value
        if self.op == ">=":
            return value >= self.value
        if self.op == "<":
            return value < self.value
        return value <= self.value

    @property
    def upward(self) -> bool:
        return self.op in _UPWARD


@dataclass(frozen=True)
class Rule:
    code: str
    kind: Kind
    parameter: str
    medium: Threshold | None
    high: Threshold | None
    enabled: bool = True


@dataclass(frozen=True)
class Condition:
    rule: str
    kind: Kind
    priority: Priority | None  # None: clear, the value is back within limits
    value: float | None
    limit: float | None
    message: str
    # What `combine` needs to fold the rules of one parameter into one alert: the measured
    # level (for a baseline rule `value` is the change), the alarm limit as a level, and the
    # message without the label ("186 ≥ 180", "+58 over baseline 128").
    measured: float | None = None
    level_limit: float | None = None
    part: str = ""


def _rule(code: str, kind: Kind, parameter: str, medium: str | None, high: str | None) -> Rule:
    def parse(text: str | None) -> Threshold | None:
        if text is None:
            return None
        op, value = text.split()
        return Threshold(cast(Op, op), float(value))

    return Rule(code, kind, parameter, parse(medium), parse(high))


# DESIGN.md §3; reasoning and sources for each value in docs/alert-defaults.md.
DEFAULT_RULES: tuple[Rule, ...] = (
    _rule("sbp_high", "absolute", "systolic", "> 160", ">= 180"),
    _rule("sbp_rise", "baseline", "systolic", ">= 40", None),
    _rule("dbp_high", "absolute", "diastolic", "> 100", ">= 110"),
    _rule("dbp_rise", "baseline", "diastolic", ">= 25", None),
    _rule("sbp_low", "absolute", "systolic", "< 100", "<= 90"),
    _rule("hr_high", "absolute", "heart_rate", "> 110", ">= 130"),
    _rule("hr_low", "absolute", "heart_rate", "< 50", "<= 40"),
    _rule("spo2_low", "absolute", "spo2", "<= 93", "<= 90"),
    _rule("rr_low", "absolute", "respiratory_rate", "<= 10", "<= 8"),
    _rule("rr_high", "absolute", "respiratory_rate", ">= 21", ">= 25"),
    _rule("rass_low", "absolute", "sedation_rass", "<= -2", "<= -4"),
    _rule("news2", "news2", "news2", ">= 5", ">= 7"),
    _rule("overdue", "overdue", "overdue_minutes", "> 5", "> 15"),
)

# The alert service keeps one open alert per (session, rule code), so codes are a closed set:
# an admin tunes the defaults, a physician overrides them per patient, nobody invents new ones.
_DEFAULTS_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in DEFAULT_RULES}

# A vital is named as its tile names it (app.vitals.codes, the one table of vital labels).
LABELS: dict[str, str] = {
    **{
        field: VITALS[field].label
        for field in (
            "systolic",
            "diastolic",
            "heart_rate",
            "spo2",
            "respiratory_rate",
            "sedation_rass",
        )
    },
    "news2": "NEWS2",
    "overdue_minutes": "Overdue",
}
# NEWS2 component and missing-row names (app.alerts.news2) as a clinician reads them.
_NEWS2_LABELS: dict[str, str] = {
    **LABELS,
    "on_oxygen": "O2",
    "consciousness": "ACVPU",
    "temperature_c": "temperature",
}

# Range a threshold may sit in; wider than plausibility so admins are never boxed in, narrow
# enough to catch a typo such as SpO2 <= 900. Baseline rules limit a change, not a level.
_THRESHOLD_RANGES: dict[str, tuple[float, float]] = {
    "systolic": (0, 300),
    "diastolic": (0, 300),
    "heart_rate": (0, 300),
    "spo2": (0, 100),
    "respiratory_rate": (0, 80),
    "sedation_rass": (-5, 4),
    "news2": (0, 20),
    "overdue_minutes": (0, 24 * 60),
}
_CHANGE_RANGE: tuple[float, float] = (-300, 300)


def fmt(number: float) -> str:
    """Integers without a trailing .0; anything else to at most two decimals."""
    if float(number).is_integer():
        return str(int(number))
    return f"{number:.2f}".rstrip("0").rstrip(".")


def _signed(number: float) -> str:
    return f"+{fmt(number)}" if number > 0 else fmt(number)


_SYMBOLS: dict[str, str] = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}


def _show(threshold: Threshold) -> str:
    return f"{_SYMBOLS[threshold.op]} {fmt(threshold.value)}"


def merge_rules(clinic: Sequence[Rule], overrides: Sequence[Rule]) -> tuple[Rule, ...]:
    """Clinic rules with each patient override in place of the clinic rule of the same code.

    An override whose code the clinic set lacks is kept (appended): a physician's explicit
    limit for this patient must never be dropped silently.
    """
    by_code = {rule.code: rule for rule in overrides}
    merged = [by_code.pop(rule.code, rule) for rule in clinic]
    return (*merged, *by_code.values())


def _worst(rule: Rule, value: float) -> tuple[Priority | None, Threshold | None]:
    # High first: a value past both limits is a high alert, never a medium one.
    if rule.high is not None and rule.high.breached_by(value):
        return "high", rule.high
    if rule.medium is not None and rule.medium.breached_by(value):
        return "medium", rule.medium
    return None, None


def _nearest_limit(rule: Rule) -> Threshold | None:
    return rule.medium if rule.medium is not None else rule.high


def _clear(rule: Rule, value: float, what: str, suffix: str = "") -> Condition:
    limit = _nearest_limit(rule)
    alert_at = f" (alert {_show(limit)})" if limit is not None else ""
    message = f"{what} within limits{alert_at}{suffix}"
    return Condition(rule.code, rule.kind, None, value, None, message)


def _absolute(rule: Rule, value: float, baseline: float | None) -> Condition:
    label = LABELS.get(rule.parameter, rule.parameter)
    priority, crossed = _worst(rule, value)
    if crossed is None:
        return _clear(rule, value, f"{label} {fmt(value)}")
    context = f" (baseline {fmt(baseline)})" if baseline is not None else ""
    part = f"{fmt(value)} {_show(crossed)}"
    message = f"{label} {part}{context}"
    return Condition(
        rule.code, rule.kind, priority, value, crossed.value, message, value, crossed.value, part
    )


def _change(rule: Rule, value: float, baseline: float) -> Condition:
    label = LABELS.get(rule.parameter, rule.parameter)
    change = value - baseline
    limit = _nearest_limit(rule)
    rise = limit is None or limit.upward
    word, preposition = ("rise", "over") if rise else ("fall", "from")
    context = f"{preposition} baseline {fmt(baseline)} (now {fmt(value)})"
    priority, crossed = _worst(rule, change)
    if crossed is None:
        return _clear(rule, change, f"{label} {word} {_signed(change)} {context}")
    message = f"{label} {word} {_signed(change)} {_show(crossed)} {context}"
    part = f"{_signed(change)} {preposition} baseline {fmt(baseline)}"
    level = baseline + crossed.value
    return Condition(
        rule.code, rule.kind, priority, change, crossed.value, message, value, level, part
    )


def _news2_names(names: Sequence[str]) -> str:
    return ", ".join(_NEWS2_LABELS.get(name, name) for name in names)


def _partial(result: News2Result) -> str:
    parts = [f"no {_news2_names(result.missing)}"] if result.missing else []
    if result.carried:
        parts.append(f"{_news2_names(result.carried)} from an earlier reading")
    return f" (partial: {'; '.join(parts)})" if parts else ""


def _news2(rule: Rule, result: News2Result) -> Condition:
    partial = _partial(result)
    score = float(result.score)
    priority, crossed = _worst(rule, score)
    if crossed is not None:
        message = f"NEWS2 {result.score} {_show(crossed)}{partial}"
        return Condition(rule.code, rule.kind, priority, score, crossed.value, message)
    # RCP: a 3 in any single parameter needs an urgent ward-level review even when the total
    # is low. It rides on the medium tier, so removing the medium threshold removes it too.
    if rule.medium is not None and result.max_single >= 3:
        threes = [name for name, points in result.components.items() if points >= 3]
        message = f"NEWS2 3 in one parameter ({_news2_names(threes)}){partial}"
        return Condition(rule.code, rule.kind, "medium", 3.0, 3.0, message)
    return _clear(rule, score, f"NEWS2 {result.score}", partial)


def _present(mapping: Mapping[str, float | int | None] | None, key: str) -> float | None:
    if mapping is None:
        return None
    value = mapping.get(key)
    return None if value is None else float(value)


def evaluate_reading(
    values: Mapping[str, float | int | None],
    baseline: Mapping[str, float | int | None] | None,
    rules: Sequence[Rule],
    news2_result: News2Result | None,
) -> list[Condition]:
    """One Condition per enabled rule that this reading can decide, in rule order.

    Overdue rules are decided by a timer (`overdue_condition`), never by a reading.
    """
    conditions: list[Condition] = []
    for rule in rules:
        if not rule.enabled:
            continue
        condition = _evaluate_one(rule, values, baseline, news2_result)
        if condition is not None:
            conditions.append(condition)
    return conditions


def _evaluate_one(
    rule: Rule,
    values: Mapping[str, float | int | None],
    baseline: Mapping[str, float | int | None] | None,
    news2_result: News2Result | None,
) -> Condition | None:
    if rule.kind == "news2":
        return None if news2_result is None else _news2(rule, news2_result)
    if rule.kind == "overdue":
        return None
    value = _present(values, rule.parameter)
    if value is None:
        return None
    before = _present(baseline, rule.parameter)
    if rule.kind == "absolute":
        return _absolute(rule, value, before)
    return None if before is None else _change(rule, value, before)


def _group_code(rule: Rule) -> str:
    """The alert a rule's breaches go to: a baseline rule shares the alert of the absolute rule
    on the same parameter and direction (SBP ≥ 180 and SBP +40 over baseline are one systolic
    alert); every other rule has its own. A rise and a fall stay apart: a crash after a surge is
    a new alarm, not an update of the old one."""
    if rule.kind != "baseline":
        return rule.code
    direction = _direction(rule)
    for other in DEFAULT_RULES:
        if (
            other.kind == "absolute"
            and other.parameter == rule.parameter
            and _direction(other) == direction
        ):
            return other.code
    return rule.code


_RANK: dict[Priority | None, int] = {None: 0, "low": 1, "medium": 2, "high": 3}


def combine(conditions: Sequence[Condition]) -> list[Condition]:
    """One condition per alert group (`GROUP`), in first-seen order: the highest breach wins and
    the message names every breach of the group (`SBP 186 ≥ 180, +58 over baseline 128`); the
    group is clear only when none of its rules is breached. `rule` becomes the group's code,
    `kind` the deciding rule's; value and limit are levels of the parameter, so an alert whose
    deciding rule changes keeps comparable numbers."""
    groups: dict[str, list[Condition]] = {}
    for condition in conditions:
        groups.setdefault(GROUP.get(condition.rule, condition.rule), []).append(condition)
    combined: list[Condition] = []
    for code, members in groups.items():
        breached = [c for c in members if c.priority is not None]
        if not breached:
            combined.append(replace(members[0], rule=code))
            continue
        # Highest first; at equal priority the absolute limit leads (it is the plainer reading).
        breached.sort(key=lambda c: (-_RANK[c.priority], c.kind != "absolute"))
        winner = breached[0]
        value = winner.value if winner.measured is None else winner.measured
        limit = winner.limit if winner.level_limit is None else winner.level_limit
        message = winner.message
        if len(breached) > 1:
            parts = sorted(breached, key=lambda c: c.kind != "absolute")
            parameter = _DEFAULTS_BY_CODE[code].parameter
            label = LABELS.get(parameter, parameter)
            message = f"{label} " + ", ".join(c.part for c in parts)
        combined.append(
            Condition(code, winner.kind, winner.priority, value, limit, message, value, limit)
        )
    return combined


# What the rules table and the dashboard call each rule, and the unit its limits are in.
RULE_NAMES: dict[str, str] = {
    "sbp_high": "Systolic BP high",
    "sbp_rise": "Systolic BP rise over baseline",
    "dbp_high": "Diastolic BP high",
    "dbp_rise": "Diastolic BP rise over baseline",
    "sbp_low": "Systolic BP low",
    "hr_high": "Heart rate high",
    "hr_low": "Heart rate low",
    "spo2_low": "SpO₂ low",
    "rr_low": "Respiratory rate low",
    "rr_high": "Respiratory rate high",
    "rass_low": "Sedation (RASS) deep",
    "news2": "NEWS2 aggregate",
    "overdue": "Reading overdue",
}
UNITS: dict[str, str] = {
    "systolic": "mmHg",
    "diastolic": "mmHg",
    "heart_rate": "/min",
    "spo2": "%",
    "respiratory_rate": "/min",
    "sedation_rass": "RASS points",
    "news2": "points",
    "overdue_minutes": "min",
}


def _less_sensitive(before: Threshold, after: Threshold) -> bool:
    """`after` alarms on fewer values than `before` (same direction assumed)."""
    if before.upward != after.upward:
        return True
    if after.value != before.value:
        return after.value > before.value if before.upward else after.value < before.value
    strict = {">", "<"}
    return after.op in strict and before.op not in strict


def loosening(before: Rule | None, after: Rule | None) -> list[str]:
    """How a change makes a rule alarm less, in words; [] when it does not. Switching a rule
    off, removing a limit or moving one towards fewer alarms all count: each needs a reason."""
    if before is None or not before.enabled:
        return []
    name = RULE_NAMES.get(before.code, before.code)
    if after is None or not after.enabled:
        return [f"{name}: alarm switched off"]
    found: list[str] = []
    for tier in ("medium", "high"):
        old, new = getattr(before, tier), getattr(after, tier)
        if old is None:
            continue
        if new is None:
            found.append(f"{name}: {tier} limit {_show(old)} removed")
        elif _less_sensitive(old, new):
            found.append(f"{name}: {tier} limit {_show(old)} → {_show(new)}")
    return found


def parameter_of(code: str) -> str:
    """The reading field a rule (or alert group) code watches."""
    rule = _DEFAULTS_BY_CODE.get(code)
    return rule.parameter if rule is not None else code


def _minutes_past(due_at: datetime, now: datetime) -> float:
    # Rounded up to a tenth of a minute in integer microseconds: a reading 15 min 2 s late is
    # over a "> 15" limit, and float division must not nudge an exact 15:00 over it.
    tenth = timedelta(seconds=6)
    late = now - due_at
    return -(-late // tenth) / 10


def overdue_condition(due_at: datetime, now: datetime, rule: Rule) -> Condition:
    """Technical alert for a reading not entered by `due_at`; a disabled rule always clears."""
    if rule.kind != "overdue":
        raise ValueError(f"rule {rule.code!r} is a {rule.kind} rule, not an overdue rule")
    minutes = _minutes_past(due_at, now)
    if not rule.enabled:
        return Condition(rule.code, rule.kind, None, minutes, None, "Overdue alert disabled")
    if minutes <= 0:
        return Condition(rule.code, rule.kind, None, minutes, None, "Reading not yet due")
    priority, crossed = _worst(rule, minutes)
    if crossed is None:
        return _clear(rule, minutes, f"Reading {fmt(minutes)} min past due")
    message = f"Reading overdue by {fmt(minutes)} min ({_show(crossed)})"
    return Condition(rule.code, rule.kind, priority, minutes, crossed.value, message)


def silent_condition(
    device_label: str, *, heard_at: datetime, now: datetime, limit_seconds: float
) -> Condition:
    """The technical alert for a bound monitor during an infusion: medium once it has sent
    nothing for `limit_seconds` since `heard_at` (its last message, or the infusion's start if
    later), clear as soon as it reports again."""
    silent = (now - heard_at).total_seconds()
    if silent <= limit_seconds:
        return monitor_clear(f"{device_label} reporting", silent)
    minutes = fmt(round(silent / 60, 1))
    message = f"{device_label} not reporting for {minutes} min: check the monitor and its cable"
    return Condition(MONITOR_SILENT, _TECHNICAL, "medium", silent, limit_seconds, message)


# Not a `Kind` an admin rule may have: the alert's kind column says "technical".
_TECHNICAL = cast(Kind, TECHNICAL)


def monitor_clear(message: str, silent: float | None = None) -> Condition:
    return Condition(MONITOR_SILENT, _TECHNICAL, None, silent, None, message)


def _direction(rule: Rule) -> bool | None:
    """True if the rule alerts on rising values, False on falling, None if undecidable."""
    thresholds = [t for t in (rule.medium, rule.high) if t is not None]
    directions = {t.upward for t in thresholds}
    return directions.pop() if len(directions) == 1 else None


def _at_least_as_severe(high: Threshold, medium: Threshold) -> bool:
    """Every value that breaches `high` also breaches `medium` (same direction assumed)."""
    if high.upward:
        loose_medium = high.op == ">=" and medium.op == ">"
        return high.value > medium.value if loose_medium else high.value >= medium.value
    loose_medium = high.op == "<=" and medium.op == "<"
    return high.value < medium.value if loose_medium else high.value <= medium.value


def _identity_problems(rule: Rule) -> list[str]:
    problems: list[str] = []
    if rule.kind not in _KINDS:
        problems.append(f"unknown kind {rule.kind!r} (one of {', '.join(_KINDS)})")
    if rule.parameter not in LABELS:
        problems.append(f"unknown parameter {rule.parameter!r} (one of {', '.join(LABELS)})")
    default = _DEFAULTS_BY_CODE.get(rule.code)
    if default is None:
        known = ", ".join(_DEFAULTS_BY_CODE)
        problems.append(f"unknown rule code {rule.code!r} (one of {known})")
        return problems
    if rule.kind != default.kind:
        problems.append(f"{rule.code} must be kind {default.kind}, not {rule.kind}")
    if rule.parameter != default.parameter:
        problems.append(f"{rule.code} watches {default.parameter}, not {rule.parameter}")
    expected = _direction(default)
    actual = _direction(rule)
    if expected is not None and actual is not None and actual != expected:
        ops = "> or >=" if expected else "< or <="
        problems.append(
            f"{rule.code} alerts when the value {'rises' if expected else 'falls'}: use {ops}"
        )
    return problems


def _threshold_problems(rule: Rule) -> list[str]:
    problems: list[str] = []
    low, high = (
        _CHANGE_RANGE
        if rule.kind == "baseline"
        else _THRESHOLD_RANGES.get(rule.parameter, (-math.inf, math.inf))
    )
    for name, threshold in (("medium", rule.medium), ("high", rule.high)):
        if threshold is None:
            continue
        if threshold.op not in _OPS:
            problems.append(f"{name}: unknown operator {threshold.op!r} (one of {' '.join(_OPS)})")
        elif not math.isfinite(threshold.value) or not low <= threshold.value <= high:
            problems.append(f"{name}: {fmt(threshold.value)} is outside {fmt(low)} to {fmt(high)}")
    return problems


def _severity_problems(rule: Rule) -> list[str]:
    medium, high = rule.medium, rule.high
    if medium is None and high is None:
        return ["set a medium or a high threshold (or disable the rule)"]
    if medium is None or high is None or {medium.op, high.op} - set(_OPS):
        return []
    if medium.upward != high.upward:
        return [f"medium ({_show(medium)}) and high ({_show(high)}) point in different directions"]
    if medium == high or not _at_least_as_severe(high, medium):
        return [f"high ({_show(high)}) must be more severe than medium ({_show(medium)})"]
    return []


def validate_rule(rule: Rule) -> list[str]:
    """Human-readable problems with a rule an admin or physician submitted; [] when valid."""
    return _identity_problems(rule) + _threshold_problems(rule) + _severity_problems(rule)


def _threshold_to_dict(threshold: Threshold | None) -> dict[str, Any] | None:
    return None if threshold is None else {"op": threshold.op, "value": threshold.value}


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "kind": rule.kind,
        "parameter": rule.parameter,
        "medium": _threshold_to_dict(rule.medium),
        "high": _threshold_to_dict(rule.high),
        "enabled": rule.enabled,
    }


def _threshold_from_dict(name: str, data: object) -> Threshold | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise ValueError(f"{name} must be an object with op and value, or null")
    op, value = data.get("op"), data.get("value")
    if op not in _OPS:
        raise ValueError(f"{name}.op must be one of {' '.join(_OPS)}")
    # bool is an int subclass; true as a threshold is a client bug, not the number 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}.value must be a number")
    return Threshold(cast(Op, op), float(value))


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """Parse the JSON shape of `rule_to_dict`. Raises ValueError on a malformed shape;
    `validate_rule` then judges whether the rule makes clinical sense."""
    code, kind, parameter = data.get("code"), data.get("kind"), data.get("parameter")
    enabled = data.get("enabled", True)
    if not isinstance(code, str) or not isinstance(parameter, str):
        raise ValueError("code and parameter must be strings")
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(_KINDS)}")
    if not isinstance(enabled, bool):
        raise ValueError("enabled must be true or false")
    return Rule(
        code=code,
        kind=cast(Kind, kind),
        parameter=parameter,
        medium=_threshold_from_dict("medium", data.get("medium")),
        high=_threshold_from_dict("high", data.get("high")),
        enabled=enabled,
    )


# Last: it needs every helper above.
GROUP: dict[str, str] = {rule.code: _group_code(rule) for rule in DEFAULT_RULES}
