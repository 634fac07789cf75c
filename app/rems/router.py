import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from app.deps import Admin, AppSettings, Db, Exporter
from app.rems import service
from app.rems.schemas import RemsDue, SubmittedIn

router = APIRouter(prefix="/api/rems", tags=["rems"])


@router.get("/sessions/{session_id:uuid}.pdf", response_class=Response)
async def rems_form(
    session_id: uuid.UUID, db: Db, user: Exporter, settings: AppSettings
) -> Response:
    """The SPRAVATO REMS Patient Monitoring Form, pre-filled, with fillable fields."""
    file = await service.rems_form(db, session_id=session_id, by=user, settings=settings)
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


@router.get("/due")
async def due_forms(db: Db, _user: Admin) -> list[RemsDue]:
    """Discharged Spravato sessions of the last two weeks: due 7 days after, sent or not."""
    return await service.due_forms(db)


@router.post("/sessions/{session_id}/submitted")
async def mark_submitted(session_id: uuid.UUID, body: SubmittedIn, db: Db, user: Admin) -> RemsDue:
    return await service.mark_submitted(db, session_id=session_id, data=body, by=user)
