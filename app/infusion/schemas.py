import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.infusion.calc import EventKind

# Floors a pump can be set to: a rate or concentration near zero would make the time to deliver
# the dose unbounded (the calculator answered null minutes for 1e-308 mg/kg/h).
RateMgPerKgH = Annotated[float, Field(ge=0.01, le=10)]
ConcentrationMgPerMl = Annotated[float, Field(ge=0.1, le=100)]


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drug: str | None = Field(
        default=None, min_length=1, max_length=64, description="Defaults to the session's"
    )
    concentration_mg_per_ml: ConcentrationMgPerMl
    lot: str = Field(min_length=1, max_length=64)
    expiry: date
    rate_mg_per_kg_h: RateMgPerKgH


class VerifyIn(BaseModel):
    """The second user's own calculation of the pump rate, checked against the order's."""

    model_config = ConfigDict(extra="forbid")

    rate_ml_per_h: float = Field(gt=0, le=2000)


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    drug: str
    concentration_mg_per_ml: float
    lot: str
    expiry: date
    dose_mg_per_kg: float
    planned_dose_mg: float
    rate_mg_per_kg_h: float
    rate_ml_per_h: float
    planned_minutes: float
    prepared_by: uuid.UUID
    prepared_at: datetime
    verified_by: uuid.UUID | None
    verified_at: datetime | None


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: EventKind
    at: AwareDatetime | None = Field(default=None, description="Clinical time; default now")
    rate_mg_per_kg_h: RateMgPerKgH | None = None
    bolus_mg: float | None = Field(default=None, gt=0, le=200)
    note: str | None = Field(default=None, max_length=2000)


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: EventKind
    at: datetime
    recorded_at: datetime
    by: uuid.UUID
    rate_mg_per_kg_h: float | None
    rate_ml_per_h: float | None
    bolus_mg: float | None
    note: str | None


class InfusionTile(BaseModel):
    """What the dashboard tile shows. While `running`, delivered and elapsed grow from `as_of`
    at `rate_mg_per_h`: the tile extrapolates instead of the server sending a tick."""

    status: Literal["not_started", "running", "paused", "stopped"]
    verified: bool
    planned_dose_mg: float
    rate_mg_per_kg_h: float
    rate_mg_per_h: float
    rate_ml_per_h: float
    delivered_mg: float
    running_seconds: float
    started_at: datetime | None
    stopped_at: datetime | None
    as_of: datetime | None


class InfusionRecord(BaseModel):
    order: OrderOut | None
    events: list[EventOut]
    status: Literal["not_started", "running", "paused", "stopped"]
    delivered_mg: float = Field(description="Computed from the log, as of now")
    bolus_mg: float
    remaining_mg: float
    infusing_minutes: float = Field(description="Time running, pauses excluded")
    actual_minutes: float | None = Field(description="Start to stop, pauses included")


class CalculatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weight_kg: float = Field(gt=20, le=350)
    dose_mg_per_kg: float = Field(gt=0, le=5)
    rate_mg_per_kg_h: RateMgPerKgH
    concentration_mg_per_ml: ConcentrationMgPerMl


class CalculatorOut(BaseModel):
    planned_dose_mg: float
    rate_ml_per_h: float
    planned_minutes: float
