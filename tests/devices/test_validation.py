"""Nurse validation of a monitor's readings (docs/devices.md "Nurse validation"): charted and
alarming at once, validated or rejected with a reason in one request per batch, shown with
who validated them; only validated readings meet the charting cadence."""

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from tests.conftest import Staff
from tests.devices.test_mllp import feed, msa, oru, readings, send, staff_of
from tests.exports.test_ranges import last_hour
from tests.factories import infusing_session, put_reading, session

pytestmark = pytest.mark.anyio
__all__ = ["feed", "staff_of"]  # fixtures, used by name


async def device_readings(
    port: int, s: dict[str, Any], staff: Staff, *at: datetime, spo2: str = "97"
) -> list[dict[str, Any]]:
    for i, when in enumerate(at):
        [ack] = await send(
            port, oru(f"{s['id'][:8]}-{i}", mrn=s["patient"]["mrn"], at=when, spo2=spo2)
        )
        assert msa(ack)[1] == "AA", ack
    return [r for r in await readings(staff, s["id"]) if r["source"] == "device"]


async def review(staff_client: Any, session_id: str, **body: Any) -> Any:
    return await staff_client.post(f"/api/sessions/{session_id}/readings/review", json=body)


async def test_a_batch_is_validated_in_one_request_with_who_and_when(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    s = await session(staff_of.nurse)
    now = datetime.now(UTC)
    found = await device_readings(
        port, s, staff_of, now - timedelta(seconds=40), now - timedelta(seconds=20)
    )
    assert [r["validated_at"] for r in found] == [None, None]
    ids = [r["id"] for r in found]
    done = await review(staff_of.nurse, s["id"], reading_ids=ids, outcome="validated")
    assert done.status_code == 200, done.text
    assert done.json()["changed"] == 2
    for r in done.json()["readings"]:
        assert r["validated_by"] == str(staff_of.ids["nurse"])
        assert r["validated_by_name"] == "Nurse"
        assert r["status"] == "final"
    # The reading list says the same, and the tablet's retry of the same tap changes nothing.
    assert all(r["validated_by_name"] == "Nurse" for r in await readings(staff_of, s["id"]))
    again = await review(staff_of.nurse, s["id"], reading_ids=ids, outcome="validated")
    assert again.status_code == 200 and again.json()["changed"] == 0
    audit = (await staff_of.admin.get("/api/audit", params={"action": "reading.validate"})).json()
    [entry] = [e for e in audit if e["action"] == "reading.validate"]
    assert entry["details"]["readings"] == ids and entry["target_id"] == s["id"]


async def test_rejected_with_a_reason_they_stop_counting_and_their_alarm_resolves(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    s = await session(staff_of.nurse)
    [low] = await device_readings(
        port, s, staff_of, datetime.now(UTC) - timedelta(seconds=30), spo2="84"
    )
    [alarm] = [
        a
        for a in (await staff_of.nurse.get(f"/api/alerts?session_id={s['id']}")).json()
        if a["rule"] == "spo2_low"
    ]
    assert alarm["priority"] == "high" and alarm["state"] == "active"

    no_reason = await review(staff_of.nurse, s["id"], reading_ids=[low["id"]], outcome="rejected")
    assert no_reason.status_code == 422
    assert "reason these monitor readings are rejected" in no_reason.text

    done = await review(
        staff_of.nurse,
        s["id"],
        reading_ids=[low["id"]],
        outcome="rejected",
        reason="probe off the finger",
    )
    assert done.status_code == 200, done.text
    [out] = done.json()["readings"]
    assert (out["status"], out["error_reason"]) == ("entered_in_error", "probe off the finger")
    alerts = (await staff_of.nurse.get(f"/api/alerts?session_id={s['id']}")).json()
    [resolved] = [a for a in alerts if a["id"] == alarm["id"]]
    assert resolved["state"] == "resolved" and "probe off the finger" in resolved["resolved_reason"]
    # A rejected reading cannot then be validated.
    late = await review(staff_of.nurse, s["id"], reading_ids=[low["id"]], outcome="validated")
    assert late.status_code == 409 and "rejected" in late.json()["detail"]
    audit = (await staff_of.admin.get("/api/audit", params={"action": "reading.reject"})).json()
    assert [e["details"]["reason"] for e in audit if e["action"] == "reading.reject"] == [
        "probe off the finger"
    ]


async def test_what_cannot_be_reviewed_is_refused_whole_and_said_plainly(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    s = await session(staff_of.nurse)
    manual = (await put_reading(staff_of.nurse, s["id"])).json()["reading"]
    [device] = await device_readings(port, s, staff_of, datetime.now(UTC) - timedelta(seconds=20))
    mixed = await review(
        staff_of.nurse, s["id"], reading_ids=[device["id"], manual["id"]], outcome="validated"
    )
    assert mixed.status_code == 422
    assert "Only a monitor's readings are validated" in mixed.text
    # Nothing of the refused request was validated.
    assert all(r["validated_at"] is None for r in await readings(staff_of, s["id"]))

    validated = await review(
        staff_of.nurse, s["id"], reading_ids=[device["id"]], outcome="validated"
    )
    assert validated.status_code == 200
    undo = await review(
        staff_of.physician,
        s["id"],
        reading_ids=[device["id"]],
        outcome="rejected",
        reason="artefact",
    )
    assert undo.status_code == 409
    assert "was validated by Nurse" in undo.json()["detail"]
    assert "entered in error" in undo.json()["detail"]

    other = await session(staff_of.nurse)
    elsewhere = await review(
        staff_of.nurse, other["id"], reading_ids=[device["id"]], outcome="validated"
    )
    assert elsewhere.status_code == 404
    admin = await review(staff_of.admin, s["id"], reading_ids=[device["id"]], outcome="validated")
    assert admin.status_code == 403


async def test_only_validated_readings_meet_the_charting_cadence(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    s = await infusing_session(staff_of.nurse)
    due_before = datetime.fromisoformat(s["next_reading_due_at"])
    cadence = due_before - datetime.fromisoformat(s["phase_started_at"])
    # After the phase started (HL7 times are whole seconds), within the tablet clock's skew.
    taken = datetime.now(UTC) + timedelta(seconds=2)
    [device] = await device_readings(port, s, staff_of, taken)
    tile = (await staff_of.nurse.get(f"/api/sessions/{s['id']}")).json()
    # Charted and on the tile at once, but the cadence still counts from the nurse's reading.
    assert tile["latest_reading"]["id"] == device["id"]
    assert tile["latest_reading"]["validated_at"] is None
    assert datetime.fromisoformat(tile["next_reading_due_at"]) == due_before

    await review(staff_of.nurse, s["id"], reading_ids=[device["id"]], outcome="validated")
    tile = (await staff_of.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert tile["latest_reading"]["validated_by_name"] == "Nurse"
    due_after = datetime.fromisoformat(tile["next_reading_due_at"])
    assert due_after == datetime.fromisoformat(device["taken_at"]) + cadence


async def test_exports_say_who_validated_what(feed: tuple[Any, int], staff_of: Staff) -> None:
    _app, port = feed
    s = await session(staff_of.nurse)
    now = datetime.now(UTC)
    checked, artefact, waiting = await device_readings(
        port, s, staff_of, *(now - timedelta(seconds=t) for t in (50, 40, 30))
    )
    await review(staff_of.nurse, s["id"], reading_ids=[checked["id"]], outcome="validated")
    await review(
        staff_of.nurse,
        s["id"],
        reading_ids=[artefact["id"]],
        outcome="rejected",
        reason="cuff moved",
    )

    export = await staff_of.physician.get(f"/api/exports/sessions/{s['id']}.csv")
    ranged = await staff_of.physician.get("/api/exports/sessions.csv", params=last_hour())
    for content in (export.content, ranged.content):
        rows = {r["reading_id"]: r for r in csv.DictReader(io.StringIO(content.decode()))}
        assert {k: rows[checked["id"]][k] for k in ("source", "device_id", "validated_by")} == {
            "source": "device",
            "device_id": "0011223344556677",
            "validated_by": "nurse",
        }
        assert datetime.fromisoformat(rows[checked["id"]]["validated_at"]) > now
        assert (rows[artefact["id"]]["status"], rows[artefact["id"]]["error_reason"]) == (
            "entered_in_error",
            "cuff moved",
        )
        assert rows[waiting["id"]]["validated_by"] == rows[waiting["id"]]["validated_at"] == ""

    bundle = (await staff_of.physician.get(f"/api/exports/sessions/{s['id']}.fhir.json")).json()
    spo2 = {
        e["resource"]["id"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"].get("text") == "SpO₂"
    }
    statuses = sorted((o["status"], o["performer"][0]["display"]) for o in spo2.values())
    assert statuses == [
        ("entered-in-error", "device-feed"),
        ("final", "nurse"),
        ("preliminary", "device-feed"),
    ]

    pdf = await staff_of.physician.get(f"/api/exports/sessions/{s['id']}.pdf")
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert text.count("monitor, validated by nurse") == 1
    assert text.count("monitor, NOT validated") == 2
