import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.deps import AppSettings, Clinician, CurrentUser, Db
from app.infusion import service
from app.infusion.schemas import (
    CalculatorIn,
    CalculatorOut,
    EventIn,
    EventOut,
    InfusionRecord,
    OrderIn,
    OrderOut,
    VerifyIn,
)
from app.sessions.models import InfusionSession
from app.sessions.service import get_session

router = APIRouter(tags=["infusion"])
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The log or the order forbids it; the message says why"}
}


async def valid_session(session_id: uuid.UUID, db: Db, _user: CurrentUser) -> InfusionSession:
    return await get_session(db, session_id)


ValidSession = Annotated[InfusionSession, Depends(valid_session)]


@router.post("/api/infusion/calculator")
async def calculator(body: CalculatorIn, _user: CurrentUser) -> CalculatorOut:
    """Planned dose, pump rate in mL/h and time to deliver, from the order's numbers."""
    return service.calculate(body)


@router.get("/api/sessions/{session_id}/infusion")
async def infusion_record(s: ValidSession, db: Db) -> InfusionRecord:
    return await service.infusion_record(db, s=s)


@router.put("/api/sessions/{session_id}/infusion/order", responses=CONFLICT)
async def save_order(
    user: Clinician, s: ValidSession, body: OrderIn, db: Db, settings: AppSettings
) -> OrderOut:
    return await service.save_order(db, s=s, data=body, by=user, settings=settings)


@router.post("/api/sessions/{session_id}/infusion/verify", responses=CONFLICT)
async def verify_order(
    user: Clinician, s: ValidSession, body: VerifyIn, db: Db, settings: AppSettings
) -> OrderOut:
    """The second user's check of the pump rate: someone other than the preparer."""
    return await service.verify_order(db, s=s, data=body, by=user, settings=settings)


@router.post("/api/sessions/{session_id}/infusion/events", status_code=201, responses=CONFLICT)
async def add_event(
    user: Clinician, s: ValidSession, body: EventIn, db: Db, settings: AppSettings
) -> EventOut:
    return await service.add_event(db, s=s, data=body, by=user, settings=settings)
