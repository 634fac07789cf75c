import uuid
from typing import TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from app.alerts.schemas import AlertOut
from app.auth.models import User
from app.context import client_addr_var
from app.deps import AppSettings, Clinician, Db, ValidSession
from app.vitals import baseline, discards, read
from app.vitals.plan import (
    Amendment,
    Change,
    ErrorMark,
    NewReading,
    ReadingResult,
    Review,
    ReviewResult,
    Submission,
)
from app.vitals.schemas import (
    BaselineChoice,
    EnteredInError,
    OutboxDiscard,
    ReadingAmend,
    ReadingIn,
    ReadingOut,
    ReadingReview,
)
from app.vitals.writer import ReadingWriter

router = APIRouter(prefix="/api/sessions/{session_id}/readings", tags=["readings"])


class ReadingAnswer(BaseModel):
    reading: ReadingOut
    alerts: list[AlertOut]
    recheck_prompt: bool


class ReviewAnswer(BaseModel):
    readings: list[ReadingOut]
    changed: int


Result = TypeVar("Result", ReadingResult, ReviewResult)


async def submit(
    request: Request, session_id: uuid.UUID, change: Change, by: User, answer: type[Result]
) -> Result:
    # No request transaction here: the process's writer checks the session and writes the
    # change in its next batch (app/vitals/writer.py).
    writer: ReadingWriter = request.app.state.readings
    result = await writer.submit(Submission(session_id, change, by, client_addr_var.get()))
    if not isinstance(result, answer):
        raise TypeError(f"{type(change).__name__} was answered with {type(result).__name__}")
    return result


def answer(result: ReadingResult, response: Response) -> ReadingAnswer:
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
    result = await submit(request, session_id, NewReading(reading_id, body), user, ReadingResult)
    return answer(result, response)


@router.get("")
async def list_readings(s: ValidSession, db: Db) -> list[ReadingOut]:
    return await read.session_readings(db, session_id=s.id, baseline_id=s.baseline_reading_id)


@router.post("/{reading_id}/amend", status_code=201, responses={200: {"model": ReadingAnswer}})
async def amend_reading(
    user: Clinician,
    session_id: uuid.UUID,
    reading_id: uuid.UUID,
    body: ReadingAmend,
    request: Request,
    response: Response,
) -> ReadingAnswer:
    result = await submit(request, session_id, Amendment(reading_id, body), user, ReadingResult)
    return answer(result, response)


@router.post("/{reading_id}/entered-in-error")
async def entered_in_error(
    user: Clinician,
    session_id: uuid.UUID,
    reading_id: uuid.UUID,
    body: EnteredInError,
    request: Request,
) -> ReadingOut:
    change = ErrorMark(reading_id, body.reason)
    return (await submit(request, session_id, change, user, ReadingResult)).reading


@router.post("/review", responses={409: {"description": "A reading is corrected or reviewed"}})
async def review_readings(
    user: Clinician, session_id: uuid.UUID, body: ReadingReview, request: Request
) -> ReviewAnswer:
    """A nurse's check of a monitor's readings at the chair, in one tap: validate them all (they
    then count for the charting cadence) or reject them all with the reason (marked entered in
    error). Retrying the same review changes nothing."""
    change = Review(tuple(body.reading_ids), body.outcome, body.reason)
    result = await submit(request, session_id, change, user, ReviewResult)
    return ReviewAnswer(readings=result.readings, changed=result.changed)


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
