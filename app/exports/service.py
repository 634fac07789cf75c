"""Export queries: one session's whole record, and streamed date ranges paged by keyset.

Building a file from the rows is left to the pure modules beside this one (csv_rows, fhir, pdf).
Every export writes one audit row (`action="export"`): who, what, which range, which format, how
many rows.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import anyio
from sqlalchemy import (
    Row,
    Select,
    and_,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.alerts.models import Alert
from app.audit.models import AuditEvent
from app.audit.service import record_audit
from app.auth.models import User
from app.clinical.service import clinical_record
from app.config import Settings
from app.db import Database, utcnow
from app.exports import csv_fast, csv_rows, paging
from app.exports.schemas import (
    DateRange,
    ExportAlert,
    ExportReading,
    RangeFormat,
    SessionFormat,
    SessionRecord,
    StaffBrief,
)
from app.infusion.service import infusion_record
from app.patients.models import Patient
from app.screening.service import latest_screening, screening_out
from app.sessions.models import InfusionSession
from app.sessions.service import get_session, news2_of, session_detail, timeline
from app.vitals import read
from app.vitals.models import Reading, ReadingValidation

# Rows per page of a streamed export: big enough to amortise the queries, small enough that the
# memory held at any moment is a few megabytes whatever the size of the range.
BATCH = 1000
CLI_USERNAME = "cli"

ReadingRow = Row[Reading, str, uuid.UUID, uuid.UUID | None, str, str | None]


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    media_type: str
    filename: str


MEDIA_TYPES: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "events_csv": ("text/csv; charset=utf-8", "events.csv"),
    "json": ("application/json", "json"),
    "fhir": ("application/fhir+json", "fhir.json"),
    "pdf": ("application/pdf", "pdf"),
    "ndjson": ("application/fhir+ndjson", "ndjson"),
}


async def audit_export(
    db: AsyncSession, *, by: User | None, target_type: str, target_id: Any, details: dict[str, Any]
) -> None:
    await record_audit(
        db,
        action="export",
        user=by,
        username=None if by else CLI_USERNAME,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )


_Validator = aliased(User)
_READING_ROWS: Select[Reading, str, uuid.UUID, uuid.UUID | None, str, str | None] = (
    select(
        Reading,
        User.username,
        InfusionSession.patient_id,
        InfusionSession.baseline_reading_id,
        Patient.mrn,
        _Validator.username,
    )
    .join(User, User.id == Reading.recorded_by)
    .join(InfusionSession, InfusionSession.id == Reading.session_id)
    .join(Patient, Patient.id == InfusionSession.patient_id)
    .outerjoin(ReadingValidation, ReadingValidation.reading_id == Reading.id)
    .outerjoin(_Validator, _Validator.id == ReadingValidation.by)
)


async def _alerts_raised(db: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    return paging.alerts_by_reading(await db.execute(paging.RAISED_BY_ID, {"ids": ids}))


async def enrich(db: AsyncSession, rows: Sequence[ReadingRow]) -> list[ExportReading]:
    """Status, baseline flag, author, alerts raised and NEWS2 for a page of readings."""
    if not rows:
        return []
    # Rows may span sessions, so the baseline flag is set per row below, not by describe().
    described = await read.describe(db, [row[0] for row in rows], baseline_id=None)
    raised = await _alerts_raised(db, [row[0].id for row in rows])
    # model_construct: every value is already typed (ReadingOut, News2Out, our own columns), and
    # validating it all again would double the cost per row of a large streamed export.
    return [
        ExportReading.model_construct(
            **{
                **dict(out),
                "is_baseline": reading.id == baseline_id,
                "patient_id": patient_id,
                "mrn": mrn,
                "recorded_by_username": username,
                "validated_by_username": validator,
                "alerts": raised.get(reading.id, []),
                "news2": news2_of(reading),
            }
        )
        for (reading, username, patient_id, baseline_id, mrn, validator), out in zip(
            rows, described, strict=True
        )
    ]


async def session_record(
    db: AsyncSession, *, session_id: uuid.UUID, settings: Settings, user: User | None = None
) -> SessionRecord:
    """`user`: a session at a site they do not belong to is not found (None: the CLI's)."""
    s = await get_session(db, session_id, user=user)
    detail = await session_detail(db, s, settings)
    rows = await db.execute(
        _READING_ROWS.where(Reading.session_id == s.id).order_by(
            Reading.taken_at, Reading.recorded_at
        )
    )
    readings = await enrich(db, rows.all())
    alerts = await db.scalars(
        select(Alert).where(Alert.session_id == s.id).order_by(Alert.raised_at)
    )
    alert_out = [ExportAlert.of(a, s) for a in alerts.all()]
    infusion = await infusion_record(db, s=s)
    clinical = await clinical_record(db, session_id=s.id)
    screened = await latest_screening(db, s.id)
    screening = screening_out(screened) if screened else None
    people = {s.created_by, *(r.recorded_by for r in readings)}
    people |= {p.by for p in detail.phase_history}
    people |= {a.acknowledged_by for a in alert_out if a.acknowledged_by}
    people |= {e.by for e in infusion.events}
    if infusion.order:
        people.add(infusion.order.prepared_by)
        if infusion.order.verified_by:
            people.add(infusion.order.verified_by)
    people |= {e.by for e in clinical.side_effects} | {p.by for p in clinical.prn}
    people |= {o.by for e in clinical.side_effects for o in e.outcomes}
    people |= {a.by for a in clinical.assessments}
    if screening is not None:
        people.add(screening.by)
        if screening.override_by:
            people.add(screening.override_by)
    staff = await db.scalars(select(User).where(User.id.in_(people)).order_by(User.username))
    return SessionRecord(
        exported_at=utcnow(),
        session=detail,
        readings=readings,
        infusion=infusion,
        clinical=clinical,
        screening=screening,
        timeline=await timeline(db, s=s),
        alerts=alert_out,
        staff=[StaffBrief.model_validate(u) for u in staff.all()],
    )


def render(record: SessionRecord, fmt: SessionFormat) -> ExportFile:
    """Pure: the file for one session record."""
    # fhir (the R4B models) and pdf (reportlab) are imported where they are used: loading them
    # would add ~0.8 s and ~15 MB to every `vigil export` of a CSV range.
    from app.exports import events_csv, fhir_session, pdf

    if fmt == "csv":
        content = csv_rows.csv_chunk(record.readings, header=True)
    elif fmt == "events_csv":
        content = events_csv.events_csv(record)
    elif fmt == "json":
        content = record.model_dump_json(indent=2).encode()
    elif fmt == "fhir":
        content = fhir_session.session_bundle(record).model_dump_json(indent=2).encode()
    else:
        content = pdf.session_pdf(record)
    media_type, suffix = MEDIA_TYPES[fmt]
    return ExportFile(content, media_type, f"vigil-session-{record.session.id}.{suffix}")


async def export_session(
    db: AsyncSession,
    *,
    session_id: uuid.UUID,
    fmt: SessionFormat,
    by: User | None,
    settings: Settings,
) -> ExportFile:
    record = await session_record(db, session_id=session_id, settings=settings, user=by)
    await audit_export(
        db,
        by=by,
        target_type="session",
        target_id=session_id,
        details={"format": fmt, "session_id": str(session_id), "rows": len(record.readings)},
    )
    # Audited and committed before rendering: the write lock is not held while a PDF is drawn.
    await db.commit()
    # Rendering a PDF takes a while; a worker thread keeps the event loop (and live alerts) going.
    return await anyio.to_thread.run_sync(partial(render, record, fmt))


Pages = Callable[[AsyncSession], AsyncIterator[tuple[bytes, int]]]


class ExportStream:
    """A streamed export: one read transaction, a COUNT first, then pages of (bytes, rows).

    `open()` counts and audits; `chunks()` pages through the same snapshot and closes the read
    session when it ends, fails or is cancelled (a browser that goes away mid-download).
    """

    def __init__(
        self,
        database: Database,
        *,
        count: Select[int],
        pages: Pages,
        audit: Callable[[int], Awaitable[None]],
        media_type: str,
        filename: str,
    ) -> None:
        self.database = database
        self.count, self.pages, self.audit = count, pages, audit
        self.media_type, self.filename = media_type, filename
        self.total = 0
        self.db: AsyncSession | None = None

    async def open(self) -> int:
        # Deferred transaction on SQLite, so nurses' writes are never blocked by a long download.
        self.db = self.database.read_session()
        try:
            if self.database.is_postgres:
                # One snapshot for the count and every page, so X-Total-Count is exact.
                await self.db.connection(
                    execution_options={
                        "isolation_level": "REPEATABLE READ",
                        "postgresql_readonly": True,
                    }
                )
            self.total = (await self.db.scalar(self.count)) or 0
            await self.audit(self.total)
        except BaseException:
            await self.close()
            raise
        return self.total

    async def close(self) -> None:
        if self.db is not None:
            db, self.db = self.db, None
            # Shielded: a cancelled download must still hand its connection back to the pool.
            with anyio.CancelScope(shield=True):
                await db.close()

    async def chunks(self) -> AsyncIterator[tuple[bytes, int]]:
        if self.db is None:
            raise RuntimeError("open() the export before reading it")
        try:
            async for chunk in self.pages(self.db):
                yield chunk
        finally:
            await self.close()

    async def body(self) -> AsyncIterator[bytes]:
        async for data, _rows in self.chunks():
            yield data


def _audit_with(
    database: Database, by: User | None, target_type: str, details: dict[str, Any]
) -> Callable[[int], Awaitable[None]]:
    async def audit(rows: int) -> None:
        async with database.session() as db:
            await audit_export(
                db,
                by=by,
                target_type=target_type,
                target_id=None,
                details={**details, "rows": rows},
            )
            await db.commit()

    return audit


def _range_details(
    fmt: str, rng: DateRange, sites: Collection[uuid.UUID] | None = None
) -> dict[str, Any]:
    details: dict[str, Any] = {
        "format": fmt,
        "from": rng.start.isoformat(),
        "to": rng.end.isoformat(),
    }
    if sites is not None:
        details["sites"] = sorted(str(site) for site in sites)
    return details


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S%z")


_FHIR_PAGES = paging.keyset(_READING_ROWS)


def _entity_key(row: ReadingRow) -> tuple[datetime, uuid.UUID]:
    return row[0].taken_at, row[0].id


async def _fhir_pages(db: AsyncSession, params: dict[str, Any]) -> AsyncIterator[tuple[bytes, int]]:
    from app.exports import fhir  # see render()

    async for page in paging.pages(db, _FHIR_PAGES, params, BATCH, _entity_key):
        readings = await enrich(db, await page.all())
        # Forget the page's ORM objects: the identity map must not grow with the range.
        db.expunge_all()
        yield fhir.readings_ndjson(readings), len(readings)


def range_export(
    database: Database,
    *,
    rng: DateRange,
    fmt: RangeFormat,
    by: User | None,
    sites: Collection[uuid.UUID] | None = None,
) -> ExportStream:
    """Readings taken in [from, to) across sessions at `sites` (None: every site), every
    status, in (taken_at, id) order."""
    params = paging.range_params(rng, sites)
    count = select(func.count()).select_from(Reading)
    count = count.where(Reading.taken_at >= rng.start, Reading.taken_at < rng.end)
    if sites is not None:
        count = count.where(paging.AT_SITES).params(sites=params["sites"])
    pages = csv_fast.csv_pages if fmt == "csv" else _fhir_pages
    media_type, suffix = MEDIA_TYPES["csv" if fmt == "csv" else "ndjson"]
    return ExportStream(
        database,
        count=count,
        pages=partial(pages, params=params),
        audit=_audit_with(database, by, "readings", _range_details(fmt, rng, sites)),
        media_type=media_type,
        filename=f"vigil-readings-{_stamp(rng.start)}-{_stamp(rng.end)}.{suffix}",
    )


def audit_trail_export(database: Database, *, rng: DateRange, by: User | None) -> ExportStream:
    """Audit rows in [from, to) as FHIR AuditEvent, one per line, in chain order."""
    in_range = and_(AuditEvent.at >= rng.start, AuditEvent.at < rng.end)

    async def pages(db: AsyncSession) -> AsyncIterator[tuple[bytes, int]]:
        from app.exports import fhir  # see render()

        after = 0
        while True:
            rows = (
                await db.scalars(
                    select(AuditEvent)
                    .where(in_range, AuditEvent.id > after)
                    .order_by(AuditEvent.id)
                    .limit(BATCH)
                )
            ).all()
            if not rows:
                return
            after = rows[-1].id
            data = fhir.audit_ndjson(rows)
            db.expunge_all()
            yield data, len(rows)

    media_type, _suffix = MEDIA_TYPES["ndjson"]
    return ExportStream(
        database,
        count=select(func.count()).select_from(AuditEvent).where(in_range),
        pages=pages,
        audit=_audit_with(database, by, "audit", _range_details("fhir", rng)),
        media_type=media_type,
        filename=f"vigil-audit-{_stamp(rng.start)}-{_stamp(rng.end)}.ndjson",
    )
