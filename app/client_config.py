"""GET /api/client-config: the server settings the dashboard follows, so it never guesses them."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.deps import AppSettings, CurrentUser

router = APIRouter(prefix="/api", tags=["client config"])


class ClientConfig(BaseModel):
    idle_timeout_seconds: float = Field(
        description="Automatic logoff after this long without a request (sliding); "
        "the dashboard warns a minute before"
    )
    heartbeat_seconds: float = Field(
        description="The live stream pings at least this often; longer silence means a stale link"
    )
    late_entry_seconds: float = Field(
        description="After a session ends its record takes late entries and addenda this long"
    )


@router.get("/client-config")
async def client_config(settings: AppSettings, _user: CurrentUser) -> ClientConfig:
    return ClientConfig(
        idle_timeout_seconds=settings.idle_timeout_minutes * 60,
        heartbeat_seconds=settings.heartbeat_seconds,
        late_entry_seconds=settings.late_entry_hours * 3600,
    )
