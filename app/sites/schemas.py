import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

Name = Field(min_length=1, max_length=64)
# Checked as text first (a URL parser given a megabyte still parses a megabyte).
WebhookUrl = Annotated[AnyHttpUrl, Field(max_length=2000)]


class SiteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    position: int | None = Field(default=None, ge=0, le=10_000, description="Default: last")
    escalation_webhook_url: WebhookUrl | None = Field(
        default=None, description="Escalated high alerts of this site are POSTed here as JSON"
    )


class SiteUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    position: int | None = Field(default=None, ge=0, le=10_000)
    escalation_webhook_url: WebhookUrl | None = None


class ChairCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Name
    position: int | None = Field(default=None, ge=0, le=10_000, description="Default: last")


class ChairUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=64)
    position: int | None = Field(default=None, ge=0, le=10_000)
    retired: bool | None = Field(default=None, description="A retired chair takes no sessions")


class ChairOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    site_id: uuid.UUID
    name: str
    position: int
    retired_at: datetime | None
    session_id: uuid.UUID | None = Field(description="The chair's active session, if any")


class SiteOut(BaseModel):
    id: uuid.UUID
    name: str
    position: int
    escalation_webhook_configured: bool
    chairs: list[ChairOut] = Field(
        description="In position order; retired chairs left out unless asked for"
    )
