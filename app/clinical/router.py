import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from app.clinical import service
from app.clinical.schemas import (
    AssessmentIn,
    AssessmentOut,
    ClinicalRecord,
    OutcomeIn,
    PrnIn,
    PrnOut,
    SideEffectIn,
    SideEffectOut,
)
from app.deps import Clinician, CurrentUser, Db
from app.sessions.models import InfusionSession
from app.sessions.service import get_session

router = APIRouter(prefix="/api/sessions/{session_id}", tags=["clinical"])


async def valid_session(session_id: uuid.UUID, db: Db, _user: CurrentUser) -> InfusionSession:
    return await get_session(db, session_id)


ValidSession = Annotated[InfusionSession, Depends(valid_session)]


@router.get("/clinical")
async def clinical_record(s: ValidSession, db: Db) -> ClinicalRecord:
    """Side effects with their outcomes, PRN medicines, assessments and their trends."""
    return await service.clinical_record(db, session_id=s.id)


@router.post("/side-effects", status_code=201)
async def add_side_effect(
    user: Clinician, s: ValidSession, body: SideEffectIn, db: Db
) -> SideEffectOut:
    return await service.add_side_effect(db, s=s, data=body, by=user)


@router.post("/side-effects/{side_effect_id}/outcomes", status_code=201)
async def add_outcome(
    user: Clinician, s: ValidSession, side_effect_id: uuid.UUID, body: OutcomeIn, db: Db
) -> SideEffectOut:
    """How the side effect went on: each outcome is kept, the latest is current."""
    return await service.add_outcome(db, s=s, side_effect_id=side_effect_id, data=body, by=user)


@router.post("/prn", status_code=201)
async def add_prn(user: Clinician, s: ValidSession, body: PrnIn, db: Db) -> PrnOut:
    return await service.add_prn(db, s=s, data=body, by=user)


@router.post("/assessments", status_code=201)
async def add_assessment(
    user: Clinician, s: ValidSession, body: AssessmentIn, db: Db
) -> AssessmentOut:
    return await service.add_assessment(db, s=s, data=body, by=user)
