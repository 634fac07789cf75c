import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.db import utcnow


class PatientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mrn: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
    full_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date
    notes: str | None = Field(default=None, max_length=4000)

    @field_validator("date_of_birth")
    @classmethod
    def _born(cls, value: date) -> date:
        if value > utcnow().date():
            raise ValueError("date of birth cannot be in the future")
        if value.year < 1900:
            raise ValueError("date of birth must be after 1900")
        return value


class PatientBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    mrn: str
    full_name: str
    date_of_birth: date


class PatientOut(PatientBrief):
    notes: str | None
    created_at: datetime


class PastSession(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    location: str
    phase: str
    created_at: datetime


class PatientDetail(PatientOut):
    sessions: list[PastSession]
