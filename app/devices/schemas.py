import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, description="OBX-18 / MSH-3 device identity")
    label: str = Field(min_length=1, max_length=64)
    chair_id: uuid.UUID | None = Field(default=None, description="The chair it stands at")


class DeviceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    label: str
    chair_id: uuid.UUID | None
    created_at: datetime
    last_message_at: datetime | None


class HeldMessageOut(BaseModel):
    """A monitor's message no session was found for, waiting for a nurse."""

    id: uuid.UUID
    device_id: str
    control_id: str
    received_at: datetime
    state: str
    session_id: uuid.UUID | None
    ack: str = Field(description="The ACK the monitor was sent (its ERR segments say why)")
    mrn: str | None = Field(description="PID-3 as the monitor sent it")
    values: list[str] = Field(description="Each reading the message holds, in words")
    reasons: list[str] = Field(description="Why it was held, and what was not charted (its ERRs)")


class Assign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: uuid.UUID


class Discard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)
