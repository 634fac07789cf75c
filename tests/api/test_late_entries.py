"""Late entries and addenda (DESIGN §2): after a session ends its record takes, for
`late_entry_hours`, a reading with the reason it is late and addenda; each is marked late in
the reading list, the PDF, FHIR and CSV, audited, and changes no alert and no phase. Each test
runs on SQLite and PostgreSQL."""

import csv
import io
import uuid
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from tests import factories
from tests.api.test_sessions import ALDRETE_OK
from tests.factories import ago, put_reading, transition

pytestmark = pytest.mark.anyio

REASON = "Paper chart from the recovery bay, typed in after discharge"


@pytest.fixture(autouse=True)
async def no_minimum_recovery(staff: Any) -> None:
    await factories.edit_protocol(staff.admin, "iv-ketamine", min_recovery_minutes=0)


async def ended(nurse: httpx.AsyncClient, phase: str) -> dict[str, Any]:
    s = await factories.infusing_session(nurse)
    if phase == "discharged":
        assert (await transition(nurse, s["id"], "recovery")).status_code == 200
        assert (await put_reading(nurse, s["id"])).status_code == 201
        answer = await transition(nurse, s["id"], "discharged", aldrete=ALDRETE_OK)
    else:
        answer = await transition(nurse, s["id"], "aborted", reason="Patient asked to stop")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def audited(admin: httpx.AsyncClient, action: str, target_id: str) -> list[dict[str, Any]]:
    answer = await admin.get("/api/audit", params={"action": action})
    assert answer.status_code == 200, answer.text
    return [a for a in answer.json() if a["target_id"] == target_id]


@pytest.mark.parametrize("phase", ["discharged", "aborted"])
async def test_a_late_entry_with_a_reason_is_stored_marked_late(staff, phase):
    s = await ended(staff.nurse, phase)
    rid = str(uuid.uuid4())
    # Values that would raise a high alert on a running session.
    answer = await put_reading(
        staff.nurse, s["id"], rid, systolic=186, taken_at=ago(minutes=1), late_reason=REASON
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["reading"]["late_reason"] == REASON
    # Documentation, not monitoring: no alert, no phase change, nothing due.
    assert body["alerts"] == [] and body["recheck_prompt"] is False
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert detail["phase"] == phase
    assert detail["open_alerts"] == [] and detail["next_reading_due_at"] is None
    alerts = (await staff.nurse.get("/api/alerts", params={"session_id": s["id"]})).json()
    assert not [a for a in alerts if a["rule"] == "sbp_high"]
    listed = (await staff.nurse.get(f"/api/sessions/{s['id']}/readings")).json()
    assert [r["late_reason"] for r in listed if r["id"] == rid] == [REASON]
    [audit] = await audited(staff.admin, "reading.late", rid)
    assert audit["details"]["late_reason"] == REASON
    # A retry of the same late entry is the same reading.
    again = await put_reading(
        staff.nurse,
        s["id"],
        rid,
        systolic=186,
        taken_at=body["reading"]["taken_at"],
        late_reason=REASON,
    )
    assert again.status_code == 200, again.text


async def test_a_late_entry_without_a_reason_is_refused_in_plain_words(staff):
    s = await ended(staff.nurse, "discharged")
    answer = await put_reading(staff.nurse, s["id"])
    assert answer.status_code == 422, answer.text
    [detail] = answer.json()["detail"]
    assert detail["loc"] == ["body", "late_reason"]
    assert detail["msg"] == (
        "The session is discharged; a reading entered now is a late entry: "
        "give the reason it is entered late."
    )


async def test_a_running_session_takes_no_late_reason(staff):
    s = await factories.infusing_session(staff.nurse)
    answer = await put_reading(staff.nurse, s["id"], late_reason=REASON)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["body", "late_reason"]


async def test_past_the_window_the_record_is_closed(staff, app):
    s = await ended(staff.nurse, "aborted")
    app.state.settings.late_entry_hours = 0
    answer = await put_reading(staff.nurse, s["id"], late_reason=REASON)
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"] == (
        "This session ended more than 0 hours ago; its record is closed."
    )
    addendum = await staff.nurse.post(
        f"/api/sessions/{s['id']}/notes", json={"kind": "addendum", "text": "Called next day"}
    )
    assert addendum.status_code == 409
    assert addendum.json()["detail"] == answer.json()["detail"]


async def test_an_addendum_goes_to_an_ended_record_and_a_note_does_not(staff):
    s = await ended(staff.nurse, "discharged")
    url = f"/api/sessions/{s['id']}/notes"
    note = await staff.nurse.post(url, json={"kind": "note", "text": "Patient fine"})
    assert note.status_code == 409
    assert note.json()["detail"] == (
        "The session is discharged; add an addendum to its record instead."
    )
    addendum = await staff.nurse.post(
        url, json={"kind": "addendum", "text": "Phoned: home safely, no nausea"}
    )
    assert addendum.status_code == 201, addendum.text
    assert addendum.json()["kind"] == "addendum"
    assert len(await audited(staff.admin, "session.addendum", s["id"])) == 1
    running = await factories.infusing_session(staff.nurse)
    early = await staff.nurse.post(
        f"/api/sessions/{running['id']}/notes", json={"kind": "addendum", "text": "x"}
    )
    assert early.status_code == 409
    assert early.json()["detail"] == "The session is still running; add a note, not an addendum."


async def test_a_late_entry_is_marked_late_in_every_export(staff):
    s = await ended(staff.nurse, "discharged")
    rid = str(uuid.uuid4())
    answer = await put_reading(staff.nurse, s["id"], rid, late_reason=REASON)
    assert answer.status_code == 201, answer.text
    base = f"/api/exports/sessions/{s['id']}"

    pdf = await staff.physician.get(f"{base}.pdf")
    assert pdf.status_code == 200
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "LATE ENTRY: Paper chart from the recovery bay" in text

    fhir = (await staff.physician.get(f"{base}.fhir.json")).json()
    late = [
        e["resource"]
        for e in fhir["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and any(REASON in n["text"] for n in e["resource"].get("note", []))
    ]
    assert late, "no Observation carries the late-entry note"
    assert all(o["status"] == "final" for o in late)
    notes = {n["text"] for o in late for n in o["note"]}
    assert f"Late entry, after the session ended: {REASON}" in notes

    rows = list(csv.DictReader(io.StringIO((await staff.physician.get(f"{base}.csv")).text)))
    by_id = {r["reading_id"]: r for r in rows}
    assert by_id[rid]["late_reason"] == REASON
    assert {r["late_reason"] for r in rows if r["reading_id"] != rid} == {""}
