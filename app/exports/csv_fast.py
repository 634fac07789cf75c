"""The fast path of the range CSV export: plain Core rows, ids and times read as the text of
their cells, the status and baseline flag decided in SQL, streamed in parts."""

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Dialect, Row, case, false, select, true, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import UserDefinedType

from app.alerts.models import Alert
from app.auth.models import User
from app.db import UTCDateTime
from app.exports import csv_rows
from app.exports.paging import alerts_by_reading, keyset, page_statement, pages, raised
from app.patients.models import Patient
from app.sessions.models import InfusionSession
from app.vitals import read
from app.vitals.models import Reading, ReadingError, ReadingValidation

# Rows per page: a CSV page is streamed and written CSV_PART rows at a time, so it can be large
# and cost no more memory.
CSV_BATCH = 10_000
# Two objects the garbage collector tracks per row: 300 rows are freed before its youngest
# generation fills (700 by default), so they are never promoted and swept again with the heap.
CSV_PART = 300

_reading = Reading.__table__.c
_error = ReadingError.__table__.c
_session = InfusionSession.__table__.c
_user = User.__table__.c
_validation = ReadingValidation.__table__.c
_validators = User.__table__.alias("validator")
_validator = _validators.c
_patient = Patient.__table__.c
_alert = Alert.__table__.c


# The CSV range export reads ids and times as the text of their cells. Building a UUID and a
# datetime per value only to turn it back into text is most of the cost of a large export
# (bench/README.md), and on SQLite the stored text is nearly the cell already.
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
# status is read's one expression of it. EXISTS rather than a join on the amendment: a reading
# amended twice (two nurses at once) must still be one row.
_CSV_SELECTED = {
    "session_id": type_coerce(_reading.session_id, _UuidText()),
    "reading_id": type_coerce(_reading.id, _UuidText()),
    "taken_at": type_coerce(_reading.taken_at, _IsoText()),
    "recorded_at": type_coerce(_reading.recorded_at, _IsoText()),
    "is_baseline": case(
        (_session.baseline_reading_id == _reading.id, true()),
        else_=false(),
    ),
    "status": read.status_column(_reading.id),
    "amends": type_coerce(_reading.amends, _UuidText()),
    "error_reason": _error.reason,
    "recorded_by": _user.username,
    "validated_at": type_coerce(_validation.at, _IsoText()),
    "validated_by": _validator.username,
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
    .outerjoin(ReadingValidation.__table__, _validation.reading_id == _reading.id)
    .outerjoin(_validators, _validator.id == _validation.by)
)
_CSV_PAGES = keyset(_CSV_ROWS)
# The alerts a page's readings raised, found with the page's own query as the IN list: the same
# statement and parameters pick the same readings, and no thousands of bound ids are rendered
# into the statement on every page.
_raised_by = type_coerce(_alert.first_reading_id, _UuidText())
_RAISED_IN_CSV_PAGES = {
    at_sites: (
        raised(_raised_by, _alert.first_reading_id.in_(first_ids)),
        raised(_raised_by, _alert.first_reading_id.in_(after_ids)),
    )
    for at_sites, (first_ids, after_ids) in keyset(select(_reading.id)).items()
}
_CSV_ID = csv_rows.COLUMNS.index("reading_id")
_CSV_TAKEN_AT = csv_rows.COLUMNS.index("taken_at")


def _csv_key(row: Row[*tuple[Any, ...]]) -> tuple[datetime, uuid.UUID]:
    return datetime.fromisoformat(row[_CSV_TAKEN_AT]), uuid.UUID(row[_CSV_ID])


async def csv_pages(db: AsyncSession, params: dict[str, Any]) -> AsyncIterator[tuple[bytes, int]]:
    """`params`: paging.range_params."""
    yield csv_rows.rows_chunk((), header=True), 0
    async for page in pages(db, _CSV_PAGES, params, CSV_BATCH, _csv_key):
        raised_in_page = page_statement(_RAISED_IN_CSV_PAGES, page.params)
        raised = alerts_by_reading(await db.execute(raised_in_page, page.params))
        async for rows in page.parts(CSV_PART):
            cells = ((*row, raised.get(row[_CSV_ID])) for row in rows)
            yield csv_rows.rows_chunk(cells, header=False), len(rows)
