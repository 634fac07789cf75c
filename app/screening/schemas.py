import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class ScreeningIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[Annotated[str, Field(max_length=64)], bool] = Field(
        max_length=100,
        description="Contraindication and caution codes (GET /api/screening/questions) → yes/no",
    )
    medicines: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=10
    )
    bp_history: str | None = Field(default=None, max_length=1000)
    allergies: str | None = Field(default=None, max_length=1000)
    other_medicines: str | None = Field(default=None, max_length=2000)
    last_food_at: AwareDatetime | None = None
    escort_name: str = Field(min_length=1, max_length=120)
    escort_phone: str = Field(min_length=5, max_length=40, pattern=r"^[0-9+() .\-]+$")


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class ScreeningOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    session_id: uuid.UUID
    answers: dict[str, bool]
    medicines: list[str]
    bp_history: str | None
    allergies: str | None
    other_medicines: str | None
    last_food_at: datetime | None
    escort_name: str
    escort_phone: str
    hard_stops: list[str]
    cautions: list[str]
    at: datetime
    by: uuid.UUID
    override_reason: str | None
    override_at: datetime | None
    override_by: uuid.UUID | None
    clear: bool = Field(description="No hard stop, or every one overridden by a physician")


class Questions(BaseModel):
    hard_stops: dict[str, str]
    cautions: dict[str, str]
    medicines: dict[str, str]
    fasting_hours: float
