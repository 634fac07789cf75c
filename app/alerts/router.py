import uuid
from typing import Literal

from fastapi import APIRouter

from app.alerts import service
from app.alerts.schemas import AcknowledgeIn, AlertOut
from app.deps import Clinician, CurrentUser, Db

router = APIRouter(prefix="/api/alerts", tags=["alerts"])


@router.get("")
async def list_alerts(
    db: Db,
    _user: CurrentUser,
    state: Literal["active", "acknowledged", "resolved", "open"] | None = None,
    session_id: uuid.UUID | None = None,
) -> list[AlertOut]:
    rows = await service.list_alerts(db, state=state, session_id=session_id)
    return [AlertOut.model_validate(a) for a in rows]


@router.post("/{alert_id}/acknowledge")
async def acknowledge(
    alert_id: uuid.UUID, db: Db, user: Clinician, body: AcknowledgeIn | None = None
) -> AlertOut:
    alert = await service.acknowledge(
        db, alert_id=alert_id, note=body.note if body else None, by=user
    )
    return AlertOut.model_validate(alert)
