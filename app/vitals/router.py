import uuid

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from app.alerts.schemas import AlertOut
from app.deps import AppSettings, Clinician, Db
from app.sessions.router import ValidSession
from app.vitals import baseline, discards, read, service
from app.vitals.ingest import ReadingWriter
from app.vitals.schemas import (
    BaselineChoice,
    EnteredInError,
    OutboxDiscard,
    ReadingAmend,
    ReadingIn,
    ReadingOut,
)

router = APIRouter(prefix="/api/sessions/{session_id}/readings", tags=["readings"])


class ReadingAnswer(BaseModel):
    reading: ReadingOut
    alerts: list[AlertOut]
    recheck_prompt: bool


def answer(result: service.ReadingResult, response: Response) -> ReadingAnswer:
    response.status_code = 201 if result.created else 200
    return ReadingAnswer(
        reading=result.reading, alerts=result.alerts, recheck_prompt=result.recheck
    )


@router.put(
    "/{reading_id}",
    status_code=201,
    responses={
        200: {"model": ReadingAnswer, "description": "Identical replay: the stored reading"},
        409: {"description": "Another body with this id, or the session has ended"},
    },
)
async def put_reading(
    user: Clinician,
    session_id: uuid.UUID,
    reading_id: uuid.UUID,
    body: ReadingIn,
    request: Request,
    response: Response,
) -> ReadingAnswer:
    # No request transaction here: the process's writer checks the session and writes the
    # reading in its next batch (app/vitals/ingest.py).
    writer: ReadingWriter = request.app.state.readings
    result = await writer.record(session_id=session_id, reading_id=reading_id, data=body, by=user)
    return answer(result, response)


@router.get("")
async def list_readings(s: ValidSession, db: Db) -> list[ReadingOut]:
    return await read.session_readings(db, session_id=s.id, baseline_id=s.baseline_reading_id)


@router.post("/{reading_id}/amend", status_code=201, responses={200: {"model": ReadingAnswer}})
async def amend_reading(
    user: Clinician,
    s: ValidSession,
    reading_id: uuid.UUID,
    body: ReadingAmend,
    db: Db,
    settings: AppSettings,
    response: Response,
) -> ReadingAnswer:
    result = await service.amend_reading(
        db, session=s, reading_id=reading_id, data=body, by=user, settings=settings
    )
    return answer(result, response)


@router.post("/{reading_id}/entered-in-error")
async def entered_in_error(
    user: Clinician,
    s: ValidSession,
    reading_id: uuid.UUID,
    body: EnteredInError,
    db: Db,
    settings: AppSettings,
) -> ReadingOut:
    return await service.mark_entered_in_error(
        db, session=s, reading_id=reading_id, data=body, by=user, settings=settings
    )


@router.post("/{reading_id}/baseline")
async def choose_baseline(
    user: Clinician,
    s: ValidSession,
    reading_id: uuid.UUID,
    body: BaselineChoice,
    db: Db,
    settings: AppSettings,
) -> ReadingOut:
    return await baseline.choose_baseline(
        db, session=s, reading_id=reading_id, data=body, by=user, settings=settings
    )


@router.post("/{reading_id}/discarded", status_code=204)
async def discarded(
    user: Clinician, s: ValidSession, reading_id: uuid.UUID, body: OutboxDiscard, db: Db
) -> None:
    await discards.record_discard(db, session=s, reading_id=reading_id, data=body, by=user)
