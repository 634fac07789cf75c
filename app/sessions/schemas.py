import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.alerts.schemas import AlertOut
from app.infusion.schemas import InfusionTile
from app.patients.schemas import PatientBrief
from app.protocols.rules import DEFAULT_PROTOCOL, PhaseName, ProtocolRules
from app.vitals.codes import Source
from app.vitals.schemas import ReadingOut

Phase = PhaseName
Target = Literal["infusion", "paused", "recovery", "discharged", "aborted"]


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patient_id: uuid.UUID
    chair_id: uuid.UUID = Field(description="A free chair of one of your sites (GET /api/sites)")
    protocol: str = Field(default=DEFAULT_PROTOCOL, min_length=1, max_length=32)
    weight_kg: float = Field(gt=20, le=350, description="Measured today, in kg")
    dose_mg_per_kg: float | None = Field(
        default=None, gt=0, le=5, description="Weight-based protocols: dose in mg per kg"
    )
    dose_mg: float | None = Field(
        default=None, gt=0, le=1000, description="Fixed-dose protocols: the dose in mg"
    )
    planned_minutes: int | None = Field(
        default=None, ge=1, le=240, description="Defaults to the protocol's"
    )
    drug: str | None = Field(
        default=None, min_length=1, max_length=64, description="Defaults to the protocol's"
    )
    course_id: uuid.UUID | None = Field(default=None, description="The patient's treatment course")


class ChecklistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity_checked: bool | None = None
    consent_signed: bool | None = None
    fasting_confirmed: bool | None = None
    escort_confirmed: bool | None = None


class Checklist(BaseModel):
    identity_checked: bool
    consent_signed: bool
    fasting_confirmed: bool
    escort_confirmed: bool


class Aldrete(BaseModel):
    """Modified Aldrete score: each item 0–2, total ≥ 9 for discharge."""

    model_config = ConfigDict(extra="forbid")

    activity: int = Field(ge=0, le=2)
    respiration: int = Field(ge=0, le=2)
    circulation: int = Field(ge=0, le=2)
    consciousness: int = Field(ge=0, le=2)
    oxygen_saturation: int = Field(ge=0, le=2)

    @property
    def total(self) -> int:
        return (
            self.activity
            + self.respiration
            + self.circulation
            + self.consciousness
            + self.oxygen_saturation
        )


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Target
    reason: str | None = Field(default=None, max_length=2000)
    override: bool = False
    aldrete: Aldrete | None = None
    ready_to_leave_minutes: int | None = Field(
        default=None,
        ge=0,
        le=1440,
        description="At discharge: had there been no minimum observation, minutes from the "
        "start of dosing until the patient was ready to leave (the Spravato REMS question)",
    )


# Free-text kinds that structured records replaced: earlier notes of these kinds stay in the
# history as written (append-only), new ones are refused with where to record them instead.
RETIRED_NOTE_KINDS = {
    "side_effect": "record a side effect on the session record (kind, severity, intervention, "
    "outcome), not as a note",
    "medication": "record a PRN medicine on the session record (drug, dose, route, time), "
    "not as a note",
    "dose_change": "record a rate change or bolus as a pump event on the session record, "
    "not as a note",
}


def _current_kind(kind: object) -> object:
    if isinstance(kind, str) and kind in RETIRED_NOTE_KINDS:
        raise ValueError(RETIRED_NOTE_KINDS[kind])
    return kind


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # An addendum: a note added to the record of an ended session (a late entry).
    kind: Literal["note", "addendum"] = "note"
    text: str = Field(min_length=1, max_length=4000)

    _kind = field_validator("kind", mode="before")(_current_kind)
    details: dict[
        Annotated[str, Field(max_length=64)],
        Annotated[str, Field(max_length=500)]
        | int
        | Annotated[float, Field(allow_inf_nan=False)]
        | bool
        | None,
    ] = Field(default_factory=dict, max_length=30)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    session_id: uuid.UUID
    kind: str
    text: str
    details: dict[str, str | int | float | bool | None]
    at: datetime
    by: uuid.UUID


class PhaseChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_phase: str | None
    to_phase: str
    at: datetime
    by: uuid.UUID
    reason: str | None
    override: bool


class News2Out(BaseModel):
    score: int
    partial: bool
    missing: list[str]
    carried: list[str] = Field(
        description="SpO2, SBP or pulse taken from an earlier monitor reading (NEWS2 carry)"
    )
    band: Literal["low", "low_medium", "medium", "high"]
    components: dict[str, int]


class LastValue(BaseModel):
    """A vital's latest current value, with its time: a monitor's reading may hold only some
    vitals, so the latest reading alone does not show them all."""

    field: str
    value: float
    taken_at: datetime
    reading_id: uuid.UUID
    source: Source


class Criterion(BaseModel):
    name: str
    met: bool
    detail: str


class Discharge(BaseModel):
    met: bool
    criteria: list[Criterion]


class SessionRead(BaseModel):
    id: uuid.UUID
    patient: PatientBrief
    site_id: uuid.UUID
    chair_id: uuid.UUID
    location: str = Field(description="The chair's name when the session was opened")
    drug: str
    protocol: str
    course_id: uuid.UUID | None
    weight_kg: float
    dose_mg_per_kg: float | None
    total_dose_mg: float
    devices: int | None
    planned_minutes: int
    phase: Phase
    phase_labels: dict[Phase, str] = Field(
        description=(
            "What this session's protocol calls its phases (Spravato: dosing, observation), "
            "from the rules it started with; a phase left out goes by its usual name"
        )
    )
    phase_started_at: datetime
    created_at: datetime
    infusion_started_at: datetime | None
    infusion_ended_at: datetime | None
    latest_reading: ReadingOut | None
    last_values: list[LastValue] = Field(
        description="Each measured vital's latest current value and time (vitals.codes.MEASURED)"
    )
    open_alerts: list[AlertOut]
    news2: News2Out | None
    next_reading_due_at: datetime | None
    infusion: InfusionTile | None


class SessionDetail(SessionRead):
    protocol_rules: ProtocolRules
    phase_history: list[PhaseChangeOut]
    checklist: Checklist
    baseline: ReadingOut | None
    aldrete: Aldrete | None
    ready_to_leave_minutes: int | None
    discharge: Discharge


class TimelineItem(BaseModel):
    seq: int
    type: str
    at: datetime
    data: dict[str, object]
