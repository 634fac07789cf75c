import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.protocols.rules import ProtocolRules


class ProtocolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    rules: ProtocolRules
    active: bool = True
    reason: str = Field(min_length=1, max_length=2000, description="Why the protocol changes")
    based_on: datetime | None = Field(
        default=None,
        description=(
            "To change a protocol: its `updated_at` as you opened it, so a change saved "
            "meanwhile is not overwritten (409). Left out: a new protocol (409 if the code "
            "is taken)."
        ),
    )


class ProtocolOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    rules: ProtocolRules
    active: bool
    updated_at: datetime
