"""The PDF session report: a valid PDF whose text carries the patient and every alert."""

import io

import pytest
from pypdf import PdfReader

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
    for alert in story.alerts:
        assert "".join(alert["message"].split()) in flat, alert["message"]
    assert "manualcuffrecheck" in flat  # the acknowledgement note
    assert "Recoveredearly;reviewedatthechair" in flat  # the override reason
    assert "ENTEREDINERROR" in flat and "correction:typed150for105" in flat
    for heading in ("Vitals", "Readings", "Alerts", "Discharge", "Sign-off", "Mild nausea"):
        assert heading in text
    assert "Total(≥9todischarge)" in flat
    assert reader.metadata is not None and reader.metadata.subject == "MRN EXP-4711"
