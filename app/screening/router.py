import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from app.deps import Clinician, CurrentUser, Db, Physician
from app.errors import NotFound
from app.screening import service
from app.screening.rules import CAUTIONS, FASTING_HOURS, HARD_STOPS, INTERACTING_MEDICINES
from app.screening.schemas import OverrideIn, Questions, ScreeningIn, ScreeningOut
from app.sessions.models import InfusionSession
from app.sessions.service import get_session

router = APIRouter(tags=["screening"])


async def valid_session(session_id: uuid.UUID, db: Db, _user: CurrentUser) -> InfusionSession:
    return await get_session(db, session_id)


ValidSession = Annotated[InfusionSession, Depends(valid_session)]


@router.get("/api/screening/questions")
async def questions(_user: CurrentUser) -> Questions:
    return Questions(
        hard_stops=HARD_STOPS,
        cautions=CAUTIONS,
        medicines=INTERACTING_MEDICINES,
        fasting_hours=FASTING_HOURS,
    )


@router.get("/api/sessions/{session_id}/screening")
async def get_screening(s: ValidSession, db: Db) -> ScreeningOut:
    row = await service.latest_screening(db, s.id)
    if row is None:
        raise NotFound("No screening has been recorded for this session.")
    return service.screening_out(row)


@router.post("/api/sessions/{session_id}/screening", status_code=201)
async def record_screening(
    user: Clinician, s: ValidSession, body: ScreeningIn, db: Db
) -> ScreeningOut:
    return await service.record_screening(db, s=s, data=body, by=user)


@router.post("/api/sessions/{session_id}/screening/override")
async def override_screening(
    user: Physician, s: ValidSession, body: OverrideIn, db: Db
) -> ScreeningOut:
    """A physician overrides the screening's hard stops, with a reason."""
    return await service.override_screening(db, s=s, data=body, by=user)
