import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    session_id: uuid.UUID
    rule: str
    kind: Literal["absolute", "baseline", "news2", "overdue"]
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
    ack_note: str | None
    resolved_at: datetime | None
    resolved_reason: str | None
    escalated: bool


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)
