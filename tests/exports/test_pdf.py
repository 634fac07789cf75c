"""The PDF session report: a valid PDF whose text carries the patient and every alert."""

import io
import time
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from app.exports.pdf_chart import MAX_TICKS, _tick_minutes
from app.vitals.models import Reading
from tests import factories

pytestmark = pytest.mark.anyio


async def test_session_report(staff, story):
    answer = await staff.physician.get(f"/api/exports/sessions/{story.session_id}.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(answer.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # Table cells wrap, so compare with whitespace removed.
    flat = "".join(text.split())
    assert "EXP-4711" in text and "Ada Lovelace" in text
    assert "Chair 3" in text
    # The font has no "₂": the PDF sets "SpO₂" with a subscript 2, which extracts as "2".
    assert any("SpO₂" in alert["message"] for alert in story.alerts)
    for alert in story.alerts:
        assert "".join(alert["message"].replace("₂", "2").split()) in flat, alert["message"]
    assert "manualcuffrecheck" in flat  # the acknowledgement note
    assert "Recoveredearly;reviewedatthechair" in flat  # the override reason
    assert "ENTEREDINERROR" in flat and "correction:typed150for105" in flat
    for heading in ("Vitals", "Readings", "Alerts", "Discharge", "Sign-off", "Mild nausea"):
        assert heading in text
    assert "Total(≥9todischarge)" in flat
    assert reader.metadata is not None and reader.metadata.subject == "MRN EXP-4711"


async def test_finding_pdf_chart_stays_bounded_whatever_the_span(staff, app):
    """A reading dated 2999 (an amendment once let one in) made the chart draw a tick per
    eight hours of 1,099 years: 110 s and 1.3 GB. Now at most MAX_TICKS ticks."""
    s = await factories.session(staff.nurse)
    assert (await factories.put_reading(staff.nurse, s["id"])).status_code in (200, 201)
    async with app.state.database.session() as db:
        await db.execute(update(Reading).values(taken_at=datetime(2999, 1, 1, tzinfo=UTC)))
        await db.commit()
    started = time.perf_counter()
    answer = await staff.physician.get(f"/api/exports/sessions/{s['id']}.pdf")
    assert answer.status_code == 200
    assert time.perf_counter() - started < 10
    span = datetime(2999, 1, 1, tzinfo=UTC) - datetime(1900, 1, 1, tzinfo=UTC)
    assert span.total_seconds() / 60 / _tick_minutes(span) <= MAX_TICKS
