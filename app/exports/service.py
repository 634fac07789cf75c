"""Export queries: one session's whole record, and streamed date ranges paged by keyset.

Building a file from the rows is left to the pure modules beside this one (csv_rows, fhir, pdf).
Every export writes one audit row (`action="export"`): who, what, which range, which format, how
many rows.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Generic, TypeVar, TypeVarTuple

import anyio
from sqlalchemy import (
    ColumnElement,
    Dialect,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    select,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import UserDefinedType

from app.alerts.models import Alert
from app.audit.models import AuditEvent
from app.audit.service import record_audit
from app.auth.models import User
from app.clinical.service import clinical_record
from app.config import Settings
from app.db import Database, UTCDateTime, utcnow
from app.exports import csv_rows
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
from app.vitals.models import Reading, ReadingError

# Rows per page of a streamed export: big enough to amortise the queries, small enough that the
# memory held at any moment is a few megabytes whatever the size of the range. A CSV page is
# streamed and written CSV_PART rows at a time, so it can be larger and cost no more memory.
BATCH = 1000
CSV_BATCH = 10_000
# Two objects the garbage collector tracks per row: 300 rows are freed before its youngest
# generation fills (700 by default), so they are never promoted and swept again with the heap.
CSV_PART = 300
CLI_USERNAME = "cli"

ReadingRow = Row[Reading, str, uuid.UUID, uuid.UUID | None, str]
_Ts = TypeVarTuple("_Ts")
_K = TypeVar("_K")


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


_READING_ROWS: Select[Reading, str, uuid.UUID, uuid.UUID | None, str] = (
    select(
        Reading,
        User.username,
        InfusionSession.patient_id,
        InfusionSession.baseline_reading_id,
        Patient.mrn,
    )
    .join(User, User.id == Reading.recorded_by)
    .join(InfusionSession, InfusionSession.id == Reading.session_id)
    .join(Patient, Patient.id == InfusionSession.patient_id)
)

# Statements used per page are built once, with bound parameters: on a slow CPU building and
# caching a statement costs more than running it. Tables rather than ORM attributes where rows
# are many: a Core row costs a fraction of an ORM one.
_reading = Reading.__table__.c
_amendment = Reading.__table__.alias("amendment").c
_error = ReadingError.__table__.c
_session = InfusionSession.__table__.c
_user = User.__table__.c
_patient = Patient.__table__.c
_alert = Alert.__table__.c


def _raised(reading_id: ColumnElement[_K], readings: ColumnElement[bool]) -> Select[_K, str, str]:
    """The alerts raised by the readings chosen, as (reading, rule, priority) in raised order."""
    return (
        select(reading_id, _alert.rule, _alert.priority).where(readings).order_by(_alert.raised_at)
    )


_RAISED_BY_ID = _raised(
    _alert.first_reading_id, _alert.first_reading_id.in_(bindparam("ids", expanding=True))
)


def _alerts_by_reading(rows: Iterable[tuple[_K | None, str, str]]) -> dict[_K, list[str]]:
    """Each reading's alerts as rule:priority, in the order they were raised."""
    raised: dict[_K, list[str]] = {}
    for reading_id, rule, priority in rows:
        if reading_id is not None:
            raised.setdefault(reading_id, []).append(f"{rule}:{priority}")
    return raised


async def _alerts_raised(db: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    return _alerts_by_reading(await db.execute(_RAISED_BY_ID, {"ids": ids}))


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
                "alerts": raised.get(reading.id, []),
                "news2": news2_of(reading),
            }
        )
        for (reading, username, patient_id, baseline_id, mrn), out in zip(
            rows, described, strict=True
        )
    ]


async def session_record(
    db: AsyncSession, *, session_id: uuid.UUID, settings: Settings
) -> SessionRecord:
    s = await get_session(db, session_id)
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
    record = await session_record(db, session_id=session_id, settings=settings)
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


def _range_details(fmt: str, rng: DateRange) -> dict[str, Any]:
    return {"format": fmt, "from": rng.start.isoformat(), "to": rng.end.isoformat()}


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S%z")


# Range exports walk readings by keyset on (taken_at, id), the index ix_reading_taken_id.
_reading_key = tuple_(_reading.taken_at, _reading.id)


def _keyset(query: Select[*_Ts]) -> tuple[Select[*_Ts], Select[*_Ts]]:
    """The first page of the readings taken in [start, end), and the page after a key (after_at,
    after_id), both in key order."""
    ordered = (
        query.where(_reading.taken_at < bindparam("end"))
        .order_by(_reading.taken_at, _reading.id)
        .limit(bindparam("batch", type_=Integer))
    )
    # The key alone as the lower bound: it implies `start` (the key is in the range), and given
    # both, SQLite seeks to `start` and filters its way to the key, so every page would cost more
    # than the one before. A row value is a bound SQLite and PostgreSQL both seek the index to.
    after = tuple_(
        bindparam("after_at", type_=_reading.taken_at.type),
        bindparam("after_id", type_=_reading.id.type),
    )
    return ordered.where(_reading.taken_at >= bindparam("start")), ordered.where(
        _reading_key > after
    )


def _page_statement(
    keyset: tuple[Select[*_Ts], Select[*_Ts]], params: dict[str, Any]
) -> Select[*_Ts]:
    """The keyset's statement for a page's parameters: only the first has no key to follow."""
    return keyset[1] if "after_at" in params else keyset[0]


class _Page(Generic[*_Ts]):
    """One page of a keyset walk: the parameters of its query, for other queries about the same
    readings, and its rows, read once; the walk goes on from the last row read."""

    def __init__(self, db: AsyncSession, statement: Select[*_Ts], params: dict[str, Any]) -> None:
        self.db, self.statement, self.params = db, statement, params
        self.count = 0
        self.last: Row[*_Ts] | None = None

    def _read(self, rows: Sequence[Row[*_Ts]]) -> None:
        self.count += len(rows)
        if rows:
            self.last = rows[-1]

    async def all(self) -> Sequence[Row[*_Ts]]:
        rows = (await self.db.execute(self.statement, self.params)).all()
        self._read(rows)
        return rows

    async def parts(self, size: int) -> AsyncIterator[Sequence[Row[*_Ts]]]:
        """The rows streamed, `size` at a time. Rows that die young are cheap: a whole page held
        at once outlives two collections, and the garbage collector then sweeps the whole heap
        every few pages (a fifth of the time of a large CSV export)."""
        result = await self.db.stream(
            self.statement, self.params, execution_options={"yield_per": size}
        )
        async for rows in result.partitions():
            self._read(rows)
            yield rows


async def _pages(
    db: AsyncSession,
    keyset: tuple[Select[*_Ts], Select[*_Ts]],
    rng: DateRange,
    batch: int,
    key: Callable[[Row[*_Ts]], tuple[datetime, uuid.UUID]],
) -> AsyncIterator[_Page[*_Ts]]:
    """Pages of `batch` rows by keyset on (taken_at, id); `key` reads both from a row."""
    params: dict[str, Any] = {"start": rng.start, "end": rng.end, "batch": batch}
    while True:
        page = _Page(db, _page_statement(keyset, params), params)
        yield page
        # A short page is the last: the snapshot cannot grow while the export reads it.
        if page.last is None or page.count < batch:
            return
        after_at, after_id = key(page.last)
        params = {**params, "after_at": after_at, "after_id": after_id}


# The CSV range export reads ids and times as the text of their cells. Building a UUID and a
# datetime per value only to turn it back into text is most of the cost of a large export (some
# 6 µs a row on the bench machine), and on SQLite the stored text is nearly the cell already.
def _uuid_text(value: Any) -> str | None:
    if isinstance(value, str) and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return None if value is None else str(value)


class _UuidText(UserDefinedType[str]):
    """A Uuid column as str(UUID) writes it: SQLite holds the 32 hex digits SQLAlchemy's Uuid
    stores there; PostgreSQL's driver returns its own UUID."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], str | None]:
        return _uuid_text


_UTC_DATETIME = UTCDateTime()


class _IsoText(UserDefinedType[str]):
    """A UTCDateTime column as isoformat() writes the datetime UTCDateTime returns. SQLite holds
    text in UTC: "YYYY-MM-DD HH:MM:SS.ffffff" as SQLAlchemy writes it, or with "+00:00" after it
    as the sqlite3 module's own adapter does (the bench's bulk load, other tools); anything else
    (PostgreSQL's datetimes, other offsets) goes the long way, through UTCDateTime itself."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], str | None]:
        def iso_text(value: Any) -> str | None:
            if isinstance(value, str):
                text = value.removesuffix("+00:00")
                if text[10:11] == " " and len(text) in (19, 26):
                    # isoformat() leaves a zero fraction out.
                    fraction = "" if text.endswith(".000000") else text[19:]
                    return f"{text[:10]}T{text[11:19]}{fraction}+00:00"
                value = datetime.fromisoformat(value)
            moment = _UTC_DATETIME.process_result_value(value, dialect)
            return None if moment is None else moment.isoformat()

        return iso_text


# Every CSV column but the last, `alerts`, which a page adds, in csv_rows.COLUMNS order. The
# status is decided as read.to_out decides it. EXISTS rather than a join on the amendment: a
# reading amended twice (two nurses at once) must still be one row.
_CSV_SELECTED = {
    "session_id": type_coerce(_reading.session_id, _UuidText()),
    "reading_id": type_coerce(_reading.id, _UuidText()),
    "taken_at": type_coerce(_reading.taken_at, _IsoText()),
    "recorded_at": type_coerce(_reading.recorded_at, _IsoText()),
    "is_baseline": case(
        (_session.baseline_reading_id == _reading.id, true()),
        else_=false(),
    ),
    "status": case(
        (_error.reason.is_not(None), "entered_in_error"),
        (exists().where(_amendment.amends == _reading.id), "amended"),
        else_="final",
    ),
    "amends": type_coerce(_reading.amends, _UuidText()),
    "error_reason": _error.reason,
    "recorded_by": _user.username,
    "mrn": _patient.mrn,
}
_CSV_ROWS = select(
    *(
        _CSV_SELECTED[name] if name in _CSV_SELECTED else _reading[name]
        for name in csv_rows.COLUMNS[:-1]
    )
).select_from(
    Reading.__table__.join(User.__table__, _user.id == _reading.recorded_by)
    .join(InfusionSession.__table__, _session.id == _reading.session_id)
    .join(Patient.__table__, _patient.id == _session.patient_id)
    .outerjoin(ReadingError.__table__, _error.reading_id == _reading.id)
)
_CSV_PAGES = _keyset(_CSV_ROWS)
# The alerts a page's readings raised, found with the page's own query as the IN list: the same
# statement and parameters pick the same readings, and no thousands of bound ids are rendered
# into the statement on every page.
_raised_by = type_coerce(_alert.first_reading_id, _UuidText())
_first_ids, _after_ids = _keyset(select(_reading.id))
_RAISED_IN_CSV_PAGES = (
    _raised(_raised_by, _alert.first_reading_id.in_(_first_ids)),
    _raised(_raised_by, _alert.first_reading_id.in_(_after_ids)),
)
_CSV_ID = csv_rows.COLUMNS.index("reading_id")
_CSV_TAKEN_AT = csv_rows.COLUMNS.index("taken_at")


def _csv_key(row: Row[*tuple[Any, ...]]) -> tuple[datetime, uuid.UUID]:
    return datetime.fromisoformat(row[_CSV_TAKEN_AT]), uuid.UUID(row[_CSV_ID])


async def _csv_pages(db: AsyncSession, rng: DateRange) -> AsyncIterator[tuple[bytes, int]]:
    yield csv_rows.rows_chunk((), header=True), 0
    async for page in _pages(db, _CSV_PAGES, rng, CSV_BATCH, _csv_key):
        raised_in_page = _page_statement(_RAISED_IN_CSV_PAGES, page.params)
        raised = _alerts_by_reading(await db.execute(raised_in_page, page.params))
        async for rows in page.parts(CSV_PART):
            cells = ((*row, raised.get(row[_CSV_ID])) for row in rows)
            yield csv_rows.rows_chunk(cells, header=False), len(rows)


_FHIR_PAGES = _keyset(_READING_ROWS)


def _entity_key(row: ReadingRow) -> tuple[datetime, uuid.UUID]:
    return row[0].taken_at, row[0].id


async def _fhir_pages(db: AsyncSession, rng: DateRange) -> AsyncIterator[tuple[bytes, int]]:
    from app.exports import fhir  # see render()

    async for page in _pages(db, _FHIR_PAGES, rng, BATCH, _entity_key):
        readings = await enrich(db, await page.all())
        # Forget the page's ORM objects: the identity map must not grow with the range.
        db.expunge_all()
        yield fhir.readings_ndjson(readings), len(readings)


def range_export(
    database: Database, *, rng: DateRange, fmt: RangeFormat, by: User | None
) -> ExportStream:
    """Readings taken in [from, to) across sessions, every status, in (taken_at, id) order."""
    in_range = and_(Reading.taken_at >= rng.start, Reading.taken_at < rng.end)
    pages = _csv_pages if fmt == "csv" else _fhir_pages
    media_type, suffix = MEDIA_TYPES["csv" if fmt == "csv" else "ndjson"]
    return ExportStream(
        database,
        count=select(func.count()).select_from(Reading).where(in_range),
        pages=partial(pages, rng=rng),
        audit=_audit_with(database, by, "readings", _range_details(fmt, rng)),
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
