"""Readings as CSV: one row per reading, every status, amendments linked. Pure.

A row is a reading's values in `COLUMNS` order: times as isoformat() text, `alerts` as a list of
"rule:priority" (or None), the rest as they are. The range export selects such rows straight
from SQL; `csv_chunk` turns a session record's readings into the same rows, so both are written
by the one formatter below.
"""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter

from app.exports.schemas import ExportReading

COLUMNS = (
    "session_id",
    "mrn",
    "reading_id",
    "taken_at",
    "recorded_at",
    "phase",
    "source",
    "device_id",
    "heart_rate",
    "systolic",
    "diastolic",
    "spo2",
    "respiratory_rate",
    "temperature_c",
    "on_oxygen",
    "consciousness",
    "sedation_rass",
    "dissociation_cadss6",
    "note",
    "is_baseline",
    "status",
    "amends",
    "amend_reason",
    "error_reason",
    "late_reason",
    "recorded_by",
    "validated_at",
    "validated_by",
    "alerts",
)
# Free text typed by staff or sent by a monitor (its id); the rest are numbers, codes and ids
# we generate.
FREE_TEXT = frozenset({"note", "amend_reason", "error_reason", "late_reason", "device_id"})
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[object]


def flag(value: bool) -> str:
    return "true" if value else "false"


def defused(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def alert_list(alerts: list[str]) -> str:
    return ";".join(alerts)


# The csv module writes None as an empty cell and every other value as str() would (floats as
# repr(), the same text), which is right for ids, numbers, codes and times already in text. Only
# these columns need a format of their own; leaving the rest to the csv module's C code is what
# keeps a large export fast.
FORMATS: dict[str, Callable[..., str]] = {
    "on_oxygen": flag,
    "is_baseline": flag,
    **dict.fromkeys(FREE_TEXT, defused),
    "alerts": alert_list,
}
_FORMATS = tuple((COLUMNS.index(name), fn) for name, fn in FORMATS.items())


# ExportReading's name for a column, where it differs from the column's.
_ATTRIBUTES = {
    "reading_id": "id",
    "recorded_by": "recorded_by_username",
    "validated_by": "validated_by_username",
}
_attributes = attrgetter(*(_ATTRIBUTES.get(name, name) for name in COLUMNS))
_TAKEN_AT, _RECORDED_AT = COLUMNS.index("taken_at"), COLUMNS.index("recorded_at")
_VALIDATED_AT = COLUMNS.index("validated_at")


def _reading_values(r: ExportReading) -> Row:
    values: list[object] = list(_attributes(r))
    values[_TAKEN_AT] = r.taken_at.isoformat()
    values[_RECORDED_AT] = r.recorded_at.isoformat()
    if r.validated_at is not None:
        values[_VALIDATED_AT] = r.validated_at.isoformat()
    return values


def _cells(row: Row) -> list[object]:
    out = list(row)
    for index, fn in _FORMATS:
        value = out[index]
        if value is not None:
            out[index] = fn(value)
    return out


def rows_chunk(rows: Iterable[Row], *, header: bool) -> bytes:
    """One chunk of the file, written through the csv module into a buffer of its own."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(COLUMNS)
    writer.writerows(map(_cells, rows))
    return buffer.getvalue().encode()


def csv_chunk(readings: Iterable[ExportReading], *, header: bool) -> bytes:
    return rows_chunk(map(_reading_values, readings), header=header)


def rows_chunk_of(
    columns: Sequence[str], free_text: frozenset[str], rows: Iterable[Sequence[object]]
) -> bytes:
    """A whole small file of other columns (the session's events), free text defused."""
    texts = [i for i, name in enumerate(columns) if name in free_text]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        cells = list(row)
        for i in texts:
            if isinstance(cells[i], str):
                cells[i] = defused(cells[i])  # type: ignore[arg-type]
        writer.writerow(cells)
    return buffer.getvalue().encode()
