import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from app.auth.models import User
from app.db import Database
from app.deps import Admin, AppSettings, Db, Exporter, get_database
from app.exports import service
from app.exports.schemas import DateRange, ReadingRange, SessionFormat
from app.sites.service import sites_in_view

router = APIRouter(prefix="/api/exports", tags=["exports"])

Range = Annotated[DateRange, Query()]
Readings = Annotated[ReadingRange, Query()]


async def _sites(
    database: Database, user: User, site_id: uuid.UUID | None
) -> set[uuid.UUID] | None:
    # A read session of its own: the request's would hold SQLite's write lock while the
    # export streams, and the export's audit entry waits for it.
    async with database.read_session() as db:
        return await sites_in_view(db, user, site_id)


def attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def download(file: service.ExportFile) -> Response:
    return Response(file.content, media_type=file.media_type, headers=attachment(file.filename))


def streamed(stream: service.ExportStream) -> StreamingResponse:
    headers = attachment(stream.filename) | {"X-Total-Count": str(stream.total)}
    return StreamingResponse(stream.body(), media_type=stream.media_type, headers=headers)


async def _session(
    session_id: uuid.UUID, fmt: SessionFormat, db: Db, user: Exporter, settings: AppSettings
) -> Response:
    file = await service.export_session(
        db, session_id=session_id, fmt=fmt, by=user, settings=settings
    )
    return download(file)


# The :uuid convertor keeps "x.fhir.json" from matching the ".json" route with id "x.fhir".
@router.get("/sessions/{session_id:uuid}.csv", response_class=Response)
async def session_csv(
    session_id: uuid.UUID, db: Db, user: Exporter, settings: AppSettings
) -> Response:
    """One row per reading, every status, in taken_at order."""
    return await _session(session_id, "csv", db, user, settings)


@router.get("/sessions/{session_id:uuid}.events.csv", response_class=Response)
async def session_events_csv(
    session_id: uuid.UUID, db: Db, user: Exporter, settings: AppSettings
) -> Response:
    """Everything else the session recorded, one row per event of every kind, in time order."""
    return await _session(session_id, "events_csv", db, user, settings)


@router.get("/sessions/{session_id:uuid}.json", response_class=Response)
async def session_json(
    session_id: uuid.UUID, db: Db, user: Exporter, settings: AppSettings
) -> Response:
    """The whole session record: detail, readings, timeline and alerts."""
    return await _session(session_id, "json", db, user, settings)


@router.get("/sessions/{session_id:uuid}.fhir.json", response_class=Response)
async def session_fhir(
    session_id: uuid.UUID, db: Db, user: Exporter, settings: AppSettings
) -> Response:
    """A FHIR R4 Bundle (type collection)."""
    return await _session(session_id, "fhir", db, user, settings)


@router.get("/sessions/{session_id:uuid}.pdf", response_class=Response)
async def session_pdf(
    session_id: uuid.UUID, db: Db, user: Exporter, settings: AppSettings
) -> Response:
    """The session report: chart, readings, alerts, discharge and sign-off."""
    return await _session(session_id, "pdf", db, user, settings)


@router.get("/sessions.csv", response_class=StreamingResponse)
async def range_csv(request: Request, rng: Readings, user: Exporter) -> StreamingResponse:
    """Readings taken in [from, to), streamed; X-Total-Count gives the row count."""
    database = get_database(request)
    stream = service.range_export(
        database, rng=rng, fmt="csv", by=user, sites=await _sites(database, user, rng.site_id)
    )
    await stream.open()
    return streamed(stream)


@router.get("/sessions.fhir.ndjson", response_class=StreamingResponse)
async def range_fhir(request: Request, rng: Readings, user: Exporter) -> StreamingResponse:
    """Observations of the readings taken in [from, to), one resource per line, streamed."""
    database = get_database(request)
    stream = service.range_export(
        database, rng=rng, fmt="fhir", by=user, sites=await _sites(database, user, rng.site_id)
    )
    await stream.open()
    return streamed(stream)


@router.get("/audit.fhir.ndjson", response_class=StreamingResponse)
async def audit_fhir(request: Request, rng: Range, user: Admin) -> StreamingResponse:
    """Audit entries in [from, to) as FHIR AuditEvent, one per line, streamed."""
    stream = service.audit_trail_export(get_database(request), rng=rng, by=user)
    await stream.open()
    return streamed(stream)
