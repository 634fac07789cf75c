import uuid

from fastapi import APIRouter

from app.deps import Access, AppSettings, Clinician, CurrentUser, Db, ValidSession
from app.sessions import service
from app.sessions.schemas import (
    ChecklistIn,
    NoteIn,
    NoteOut,
    SessionCreate,
    SessionDetail,
    SessionRead,
    TimelineItem,
    TransitionIn,
)

router = APIRouter(prefix="/api/sessions", tags=["sessions"])


@router.post("", status_code=201)
async def create_session(
    body: SessionCreate, db: Db, user: Clinician, settings: AppSettings
) -> SessionDetail:
    return await service.create_session(db, data=body, by=user, settings=settings)


@router.get("")
async def list_sessions(
    db: Db,
    user: CurrentUser,
    settings: AppSettings,
    access: Access,
    active: bool | None = None,
    site_id: uuid.UUID | None = None,
) -> list[SessionRead]:
    sessions = await service.list_sessions(
        db, active=active, site_id=site_id, by=user, settings=settings
    )
    filters = {"active": "" if active is None else str(active), "site_id": str(site_id or "")}
    await access.listed(
        db,
        user,
        view="session list",
        query=filters,
        kind="session",
        shown=[str(s.id) for s in sessions],
    )
    return sessions


@router.get("/{session_id}")
async def get_session(s: ValidSession, db: Db, settings: AppSettings) -> SessionDetail:
    return await service.session_detail(db, s, settings)


@router.patch("/{session_id}/checklist")
async def update_checklist(
    user: Clinician, s: ValidSession, body: ChecklistIn, db: Db, settings: AppSettings
) -> SessionDetail:
    return await service.update_checklist(db, s=s, data=body, by=user, settings=settings)


@router.post(
    "/{session_id}/transitions",
    responses={
        409: {"description": "The phase graph or a guard forbids it; the message says which"}
    },
)
async def transition(
    user: Clinician, s: ValidSession, body: TransitionIn, db: Db, settings: AppSettings
) -> SessionDetail:
    return await service.transition(db, s=s, data=body, by=user, settings=settings)


@router.post("/{session_id}/notes", status_code=201)
async def add_note(
    user: Clinician, s: ValidSession, body: NoteIn, db: Db, settings: AppSettings
) -> NoteOut:
    return await service.add_note(db, s=s, data=body, by=user, settings=settings)


@router.get("/{session_id}/timeline")
async def timeline(s: ValidSession, db: Db) -> list[TimelineItem]:
    return await service.timeline(db, s=s)
