"""Readings as CSV: one row per reading, every status, amendments linked. Pure."""

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from app.exports.schemas import ExportReading

COLUMNS = (
    "session_id",
    "reading_id",
    "taken_at",
    "recorded_at",
    "phase",
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
    "recorded_by",
    "alerts",
)
# Free text typed by staff; the rest are numbers, codes and ids we generate.
FREE_TEXT = frozenset({"note", "amend_reason", "error_reason"})
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object, *, free_text: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if free_text and text.startswith(FORMULA_START):
        return "'" + text
    return text


def csv_row(r: ExportReading) -> list[str]:
    values = {
        **{name: getattr(r, name, None) for name in COLUMNS},
        "session_id": r.session_id,
        "reading_id": r.id,
        "recorded_by": r.recorded_by_username,
        "alerts": ";".join(r.alerts),
    }
    return [cell(values[name], free_text=name in FREE_TEXT) for name in COLUMNS]


def csv_chunk(readings: Iterable[ExportReading], *, header: bool) -> bytes:
    """One chunk of the file, written through the csv module into a buffer of its own."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(COLUMNS)
    writer.writerows(csv_row(r) for r in readings)
    return buffer.getvalue().encode()
