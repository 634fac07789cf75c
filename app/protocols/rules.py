"""Treatment protocols as data (DESIGN §1): what a session of each protocol must do and when.

Pure: no I/O. A session keeps a frozen copy of its protocol's rules from the moment it was
created, so an admin editing a protocol never changes the rules of a session already running.
The defaults below are a starting point for the clinic's medical director to sign off; the
Spravato values follow the label (56 or 84 mg in 28 mg devices, blood pressure before dosing,
about 40 minutes after and before the patient leaves, at least 2 hours' observation).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Anchor = Literal["before_dose", "after_dose", "before_discharge"]
PhaseName = Literal["pre_infusion", "infusion", "paused", "recovery", "discharged", "aborted"]


class Checkpoint(BaseModel):
    """A blood pressure the protocol requires at a point of the session."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1, max_length=120)
    anchor: Anchor
    minutes: float = Field(default=0, ge=0, le=480, description="after_dose: minutes after dosing")
    window_minutes: float = Field(
        default=10, gt=0, le=120, description="how far from the point a reading still counts"
    )


class ProtocolRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drug: str = Field(min_length=1, max_length=64)
    route: Literal["iv", "intranasal"]
    dosing: Literal["weight_based", "fixed"]
    dose_mg_per_kg_min: float | None = Field(default=None, gt=0, le=5)
    dose_mg_per_kg_max: float | None = Field(default=None, gt=0, le=5)
    fixed_doses_mg: list[float] = Field(default_factory=list, max_length=8)
    mg_per_device: float | None = Field(default=None, gt=0, le=1000)
    planned_minutes: int = Field(ge=1, le=240, description="dosing or infusion time, planned")
    phase_labels: dict[PhaseName, Annotated[str, Field(max_length=64)]] = Field(
        default_factory=dict, max_length=16
    )
    infusion_check_seconds: float = Field(ge=1, le=7200)
    recovery_check_seconds: float = Field(ge=1, le=7200)
    min_recovery_minutes: float = Field(ge=0, le=1440)
    min_observation_minutes: float | None = Field(
        default=None, ge=0, le=1440, description="from the start of dosing, when the label asks"
    )
    baseline_max_systolic: int = Field(ge=80, le=250)
    baseline_max_diastolic: int = Field(ge=40, le=150)
    checkpoints: list[Checkpoint] = Field(default_factory=list, max_length=12)

    @model_validator(mode="after")
    def _dosing_is_complete(self) -> "ProtocolRules":
        if self.dosing == "weight_based":
            low, high = self.dose_mg_per_kg_min, self.dose_mg_per_kg_max
            if low is None or high is None or low > high:
                raise ValueError("a weight-based protocol needs a dose range in mg/kg, low ≤ high")
        elif not self.fixed_doses_mg:
            raise ValueError("a fixed-dose protocol needs its allowed doses in mg")
        if self.mg_per_device is not None:
            for dose in self.fixed_doses_mg:
                if dose % self.mg_per_device:
                    raise ValueError(f"{dose:g} mg is not a whole number of devices")
        codes = [c.code for c in self.checkpoints]
        if len(codes) != len(set(codes)):
            raise ValueError("checkpoint codes must be unique")
        return self


IV_KETAMINE = ProtocolRules(
    drug="ketamine",
    route="iv",
    dosing="weight_based",
    dose_mg_per_kg_min=0.1,
    dose_mg_per_kg_max=1.0,
    planned_minutes=40,
    phase_labels={"infusion": "infusion", "recovery": "recovery"},
    infusion_check_seconds=600,
    recovery_check_seconds=900,
    min_recovery_minutes=30,
    baseline_max_systolic=140,
    baseline_max_diastolic=90,
    checkpoints=[],
)
SPRAVATO = ProtocolRules(
    drug="esketamine",
    route="intranasal",
    dosing="fixed",
    fixed_doses_mg=[56, 84],
    mg_per_device=28,
    # One device every 5 minutes.
    planned_minutes=10,
    phase_labels={"infusion": "dosing", "paused": "dosing paused", "recovery": "observation"},
    infusion_check_seconds=600,
    recovery_check_seconds=900,
    min_recovery_minutes=0,
    min_observation_minutes=120,
    baseline_max_systolic=140,
    baseline_max_diastolic=90,
    checkpoints=[
        Checkpoint(
            code="bp_pre", label="BP before dosing", anchor="before_dose", window_minutes=60
        ),
        Checkpoint(
            code="bp_40", label="BP about 40 min after dosing", anchor="after_dose", minutes=40
        ),
        Checkpoint(
            code="bp_end",
            label="BP before completion",
            anchor="before_discharge",
            window_minutes=15,
        ),
    ],
)
DEFAULT_PROTOCOLS: dict[str, tuple[str, ProtocolRules]] = {
    "iv-ketamine": ("IV ketamine (weight-based)", IV_KETAMINE),
    "spravato": ("Spravato (esketamine) intranasal", SPRAVATO),
}
DEFAULT_PROTOCOL = "iv-ketamine"


@dataclass(frozen=True)
class DosePlan:
    dose_mg_per_kg: float | None
    dose_mg: float
    devices: int | None


def plan_dose(
    rules: ProtocolRules, *, weight_kg: float, dose_mg_per_kg: float | None, dose_mg: float | None
) -> DosePlan | str:
    """The session's planned dose, or what is wrong with the request (a sentence)."""
    if rules.dosing == "weight_based":
        if dose_mg_per_kg is None:
            return "this protocol doses by weight: give dose_mg_per_kg"
        if dose_mg is not None:
            return "this protocol doses by weight: give dose_mg_per_kg, not dose_mg"
        low, high = rules.dose_mg_per_kg_min or 0, rules.dose_mg_per_kg_max or 0
        if not low <= dose_mg_per_kg <= high:
            return f"dose_mg_per_kg must be between {low:g} and {high:g} for this protocol"
        return DosePlan(dose_mg_per_kg, round(weight_kg * dose_mg_per_kg, 1), None)
    if dose_mg_per_kg is not None:
        return "this protocol has fixed doses: give dose_mg, not dose_mg_per_kg"
    allowed = ", ".join(f"{d:g}" for d in rules.fixed_doses_mg)
    if dose_mg is None or dose_mg not in rules.fixed_doses_mg:
        return f"dose_mg must be one of {allowed} mg for this protocol"
    devices = round(dose_mg / rules.mg_per_device) if rules.mg_per_device else None
    return DosePlan(None, dose_mg, devices)


@dataclass(frozen=True)
class CheckResult:
    name: str
    met: bool
    detail: str


def _minutes(delta: timedelta) -> float:
    return delta / timedelta(minutes=1)


def observation_check(
    rules: ProtocolRules, *, dosed_at: datetime | None, now: datetime
) -> CheckResult | None:
    """Minimum observation from the start of dosing (Spravato: 2 h); None when none applies."""
    needed = rules.min_observation_minutes
    if needed is None:
        return None
    elapsed = 0.0 if dosed_at is None else _minutes(now - dosed_at)
    return CheckResult(
        "observation_time",
        elapsed >= needed,
        f"{elapsed:.0f} of at least {needed:g} min observed since dosing began",
    )


def checkpoint_checks(
    rules: ProtocolRules, *, bp_times: list[datetime], dosed_at: datetime | None, now: datetime
) -> list[CheckResult]:
    """Each required blood pressure, met when a current reading was taken in its window."""
    results = []
    for c in rules.checkpoints:
        window = timedelta(minutes=c.window_minutes)
        if dosed_at is None and c.anchor != "before_discharge":
            met = c.anchor == "before_dose" and any(t >= now - window for t in bp_times)
        elif c.anchor == "before_dose":
            assert dosed_at is not None
            met = any(dosed_at - window <= t <= dosed_at for t in bp_times)
        elif c.anchor == "after_dose":
            assert dosed_at is not None
            point = dosed_at + timedelta(minutes=c.minutes)
            met = any(point - window <= t <= point + window for t in bp_times)
        else:
            met = any(now - window <= t <= now for t in bp_times)
        results.append(
            CheckResult(
                f"checkpoint:{c.code}", met, f"{c.label}: {'recorded' if met else 'not recorded'}"
            )
        )
    return results
