"""A streamed range export holds one page at a time: memory stays flat whatever the row count.

200,000 readings are bulk-inserted straight into the reading table (the HTTP path would take
minutes); the export runs through the same ExportStream the API and the CLI use, and tracemalloc
records the peak of Python allocations while it runs.
"""

import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from app.exports.schemas import DateRange
from app.exports.service import range_export
from app.vitals.models import Reading
from tests import factories

pytestmark = pytest.mark.anyio

TOTAL = 200_000
SMALL = 20_000
START = datetime(2025, 1, 1, tzinfo=UTC)


async def bulk_readings(app: Any, session_id: str, user_id: uuid.UUID) -> None:
    async with app.state.database.session() as db:
        for first in range(0, TOTAL, 10_000):
            rows = [
                {
                    "id": uuid.uuid4(),
                    "session_id": uuid.UUID(session_id),
                    "body_hash": "0" * 64,
                    "taken_at": START + timedelta(seconds=i),
                    "recorded_at": START + timedelta(seconds=i),
                    "recorded_by": user_id,
                    "phase": "infusion",
                    "heart_rate": 60 + i % 40,
                    "systolic": 110 + i % 50,
                    "diastolic": 70 + i % 20,
                    "spo2": 92 + i % 8,
                    "respiratory_rate": 12 + i % 6,
                }
                for i in range(first, first + 10_000)
            ]
            await db.execute(insert(Reading), rows)
        await db.commit()


async def export_peak(app: Any, seconds: int) -> tuple[int, int, int]:
    """(rows counted, rows streamed, peak bytes) for a CSV export of the first `seconds`."""
    rng = DateRange.model_validate({"from": START, "to": START + timedelta(seconds=seconds)})
    stream = range_export(app.state.database, rng=rng, fmt="csv", by=None)
    tracemalloc.start()
    try:
        total = await stream.open()
        streamed = size = 0
        async for data, rows in stream.chunks():
            streamed += rows
            size += len(data)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > streamed * 50
    return total, streamed, peak


async def test_memory_stays_flat(app, staff):
    s = await factories.session(staff.nurse)
    await bulk_readings(app, s["id"], staff.ids["nurse"])
    await export_peak(app, 2_000)  # warm caches (compiled SQL, pydantic) outside the measures
    small_total, small_rows, small_peak = await export_peak(app, SMALL)
    total, rows, peak = await export_peak(app, TOTAL)
    assert (small_total, small_rows) == (SMALL, SMALL)
    assert (total, rows) == (TOTAL, TOTAL)
    assert peak < 30 * 2**20, f"peak {peak / 2**20:.1f} MB"
    # Ten times the rows, about the same peak: nothing accumulates per row.
    assert peak < small_peak * 1.5 + 2**20, (small_peak, peak)
