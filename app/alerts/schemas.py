import uuid
from collections import Counter
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator
from pydantic_core import PydanticCustomError

from app.alerts.models import Alert
from app.alerts.rules import (
    DEFAULT_RULES,
    RULE_NAMES,
    UNITS,
    Kind,
    Op,
    Rule,
    parameter_of,
    rule_from_dict,
    rule_to_dict,
    validate_rule,
)
from app.sessions.models import InfusionSession

_DERIVED = frozenset({"location", "patient_name", "parameter", "acknowledged_by_name"})

# "safety": raised by a finding outside the vitals (PHQ-9 item 9), acknowledged only with a note.
# "technical": about the equipment, not the patient (a bound monitor gone silent).
AlertKind = Kind | Literal["safety", "technical"]


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    session_id: uuid.UUID
    location: str = Field(description="The session's chair")
    patient_name: str
    rule: str = Field(
        description="The alert's rule group: a baseline rule shares its absolute rule's alert"
    )
    parameter: str = Field(description="The reading field it watches, e.g. systolic, spo2")
    kind: AlertKind
    priority: Literal["high", "medium", "low"]
    state: Literal["active", "acknowledged", "resolved"]
    message: str
    value: float | None
    limit: float | None
    worst_value: float | None
    count: int
    raised_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: uuid.UUID | None
    acknowledged_by_name: str | None = Field(
        default=None,
        description="Who acknowledged it, as the alert list and the acknowledgement answer "
        "name them (live events carry only the id)",
    )
    ack_note: str | None
    resolved_at: datetime | None
    resolved_reason: str | None
    cleared_at: datetime | None = Field(
        description="A latched high alert whose condition cleared: awaiting acknowledgement"
    )
    escalated: bool
    escalated_at: datetime | None = Field(
        default=None, description="When it was escalated to the physician"
    )

    @classmethod
    def of(
        cls, alert: Alert, session: InfusionSession, *, acknowledged_by_name: str | None = None
    ) -> Self:
        """`session` with its patient loaded: every alert names its chair and patient."""
        fields = {name: getattr(alert, name) for name in cls.model_fields if name not in _DERIVED}
        return cls(
            **fields,
            location=session.location,
            patient_name=session.patient.full_name,
            parameter=parameter_of(alert.rule),
            acknowledged_by_name=acknowledged_by_name,
        )


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class ThresholdIO(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: Op
    # Strict: `true` or "180" as a limit is a client bug, not a number.
    value: Annotated[float, Field(strict=True)]


class AlertRuleOut(BaseModel):
    """One rule in the JSON shape of `rules.rule_to_dict`; GET answers can be PUT back as-is."""

    code: str = Field(max_length=32, examples=["sbp_high"])
    name: str | None = Field(
        default=None, max_length=64, description="Read-only: the rule as a clinician reads it"
    )
    unit: str | None = Field(default=None, max_length=16, description="Read-only: its limits' unit")
    kind: Kind
    parameter: str = Field(max_length=32, examples=["systolic"])
    medium: ThresholdIO | None
    high: ThresholdIO | None
    enabled: bool = True

    @classmethod
    def of(cls, rule: Rule) -> "AlertRuleOut":
        return cls.model_validate(
            rule_to_dict(rule)
            | {"name": RULE_NAMES.get(rule.code), "unit": UNITS.get(rule.parameter)}
        )


class AlertRuleIn(AlertRuleOut):
    model_config = ConfigDict(extra="forbid")

    def to_rule(self) -> Rule:
        return rule_from_dict(self.model_dump(exclude={"name", "unit"}))

    @model_validator(mode="after")
    def _clinically_sound(self) -> "AlertRuleIn":
        problems = validate_rule(self.to_rule())
        if problems:
            # A custom error, so the message reads "rule sbp_high: ..." without "Value error, ".
            raise PydanticCustomError(
                "alert_rule",
                "rule {code}: {problems}",
                {"code": self.code, "problems": "; ".join(problems)},
            )
        return self


def _unique(rules: list[AlertRuleIn]) -> list[AlertRuleIn]:
    twice = [code for code, n in Counter(rule.code for rule in rules).items() if n > 1]
    if twice:
        raise PydanticCustomError(
            "alert_rule_duplicate",
            "each rule may appear once; repeated: {codes}",
            {"codes": ", ".join(sorted(twice))},
        )
    return rules


# More than any rule set holds (one per rule code); a bound, so a body cannot be a million.
RuleList = Annotated[list[AlertRuleIn], Field(max_length=200)]


class ClinicRulesIn(RootModel[RuleList]):
    """The whole clinic set, every rule code once: what GET returned, with the edits."""

    @model_validator(mode="after")
    def _complete(self) -> "ClinicRulesIn":
        _unique(self.root)
        sent = {rule.code for rule in self.root}
        missing = [rule.code for rule in DEFAULT_RULES if rule.code not in sent]
        if missing:
            raise PydanticCustomError(
                "alert_rule_missing",
                "send every clinic rule (to silence one, set enabled to false); missing: {codes}",
                {"codes": ", ".join(missing)},
            )
        return self


class PatientRulesIn(RootModel[RuleList]):
    """The patient's overrides, replacing any before; [] returns them to the clinic rules."""

    @model_validator(mode="after")
    def _once_each(self) -> "PatientRulesIn":
        _unique(self.root)
        return self


class RuleOff(BaseModel):
    """A rule switched off: every dashboard shows it until it is on again."""

    code: str
    name: str = Field(description="The rule as a clinician reads it, e.g. 'SpO₂ low'")
    scope: Literal["clinic", "patient"]
    patient_id: uuid.UUID | None
    patient_name: str | None
    location: str | None = Field(description="The patient's chair, for a patient's rule")
    since: datetime | None
    by: str | None = Field(description="Who switched it off")
    reason: str | None
