import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.clinical.scales import DoseUnit, Outcome, Route, Scale, Severity, SideEffectKind

ClinicalTime = Field(default=None, description="Clinical time; default now")


class SideEffectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: SideEffectKind
    severity: Severity
    onset_at: AwareDatetime | None = ClinicalTime
    intervention: str | None = Field(default=None, max_length=500)
    outcome: Outcome = "ongoing"
    note: str | None = Field(default=None, max_length=2000)


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    at: AwareDatetime | None = ClinicalTime
    note: str | None = Field(default=None, max_length=2000)


class OutcomeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    outcome: Outcome
    at: datetime
    note: str | None
    by: uuid.UUID


class SideEffectOut(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    kind: SideEffectKind
    severity: Severity
    onset_at: datetime
    intervention: str | None
    note: str | None
    outcome: Outcome = Field(description="The latest outcome")
    outcomes: list[OutcomeOut]
    by: uuid.UUID


class PrnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drug: str = Field(min_length=1, max_length=64)
    dose: float = Field(gt=0, le=10000)
    unit: DoseUnit
    route: Route
    given_at: AwareDatetime | None = ClinicalTime
    indication: str = Field(min_length=1, max_length=500)
    side_effect_id: uuid.UUID | None = Field(default=None, description="What it was given for")


class PrnOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    session_id: uuid.UUID
    drug: str
    dose: float
    unit: DoseUnit
    route: Route
    given_at: datetime
    indication: str
    side_effect_id: uuid.UUID | None
    by: uuid.UUID


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scale: Scale
    items: dict[Annotated[str, Field(max_length=32)], int] | None = Field(
        default=None, max_length=12, description="CADSS-6: the six items, 0–4"
    )
    score: int | None = Field(default=None, ge=-5, le=24, description="MOASS/RASS: the score")
    taken_at: AwareDatetime | None = ClinicalTime


class AssessmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    session_id: uuid.UUID
    scale: Scale
    score: int
    label: str
    items: dict[str, int] | None
    taken_at: datetime
    by: uuid.UUID


class TrendPoint(BaseModel):
    taken_at: datetime
    score: int


class ClinicalRecord(BaseModel):
    side_effects: list[SideEffectOut]
    prn: list[PrnOut]
    assessments: list[AssessmentOut]
    trends: dict[Scale, list[TrendPoint]] = Field(description="Each scale's scores in time order")
