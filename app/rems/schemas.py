import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SubmittedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str | None = Field(default=None, max_length=120, description="Portal or fax ref")


class RemsDue(BaseModel):
    session_id: uuid.UUID
    mrn: str
    patient_name: str
    discharged_at: datetime
    due_at: datetime
    overdue: bool
    submitted_at: datetime | None
    submitted_by: str | None = Field(description="Display name of who marked it submitted")
    reference: str | None = Field(description="The portal or fax reference given, if any")
