"""Per-session CSV and JSON exports, roles and audit rows, through the HTTP API."""

import csv
import io
import uuid

import pytest

pytestmark = pytest.mark.anyio


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_csv_round_trip(staff, story):
    answer = await staff.physician.get(f"/api/exports/sessions/{story.session_id}.csv")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = parse_csv(answer.text)
    by_id = {row["reading_id"]: row for row in rows}
    # Every reading exactly once, every status, in taken_at order.
    assert len(rows) == len(by_id) == len(story.readings) == 6
    assert set(by_id) == set(story.readings.values())
    assert [r["taken_at"] for r in rows] == sorted(r["taken_at"] for r in rows)
    r = story.readings
    assert by_id[r["typo"]]["status"] == "amended"
    assert by_id[r["correction"]]["status"] == "final"
    assert by_id[r["correction"]]["amends"] == r["typo"]
    assert by_id[r["correction"]]["amend_reason"] == "typed 150 for 105"
    assert by_id[r["correction"]]["heart_rate"] == "105"
    assert by_id[r["typo"]]["heart_rate"] == "150"
    assert by_id[r["probe_off"]]["status"] == "entered_in_error"
    assert by_id[r["probe_off"]]["error_reason"] == "probe fell off"
    assert by_id[r["baseline"]]["is_baseline"] == "true"
    assert by_id[r["baseline"]]["phase"] == "pre_infusion"
    assert by_id[r["baseline"]]["temperature_c"] == "36.6"
    assert by_id[r["baseline"]]["recorded_by"] == "nurse"
    # A note that a spreadsheet would run as a formula is defused.
    assert by_id[r["baseline"]]["note"] == '\'=HYPERLINK("x")'
    assert by_id[r["normal"]]["sedation_rass"] == "-1"
    assert "sbp_high:high" in by_id[r["high_bp"]]["alerts"].split(";")
    assert "hr_high:high" in by_id[r["typo"]]["alerts"].split(";")
    assert "spo2_low:high" in by_id[r["probe_off"]]["alerts"].split(";")
    assert {row["session_id"] for row in rows} == {story.session_id}


async def test_json_is_the_whole_record(staff, story):
    answer = await staff.admin.get(f"/api/exports/sessions/{story.session_id}.json")
    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert record["session"]["id"] == story.session_id
    assert record["session"]["phase"] == "discharged"
    assert record["session"]["patient"]["mrn"] == "EXP-4711"
    assert record["session"]["aldrete"]["activity"] == 2
    assert {r["id"] for r in record["readings"]} == set(story.readings.values())
    assert {a["id"] for a in record["alerts"]} == {a["id"] for a in story.alerts}
    types = [item["type"] for item in record["timeline"]]
    assert "session.note_added" in types and "reading.amended" in types
    assert [item["seq"] for item in record["timeline"]] == sorted(
        item["seq"] for item in record["timeline"]
    )
    assert {p["username"] for p in record["staff"]} == {"nurse", "physician"}
    high = next(a for a in record["alerts"] if a["rule"] == "sbp_high")
    assert high["first_reading_id"] == story.readings["high_bp"]
    assert high["ack_note"] == "manual cuff recheck"


@pytest.mark.parametrize("suffix", [".csv", ".json", ".fhir.json", ".pdf"])
async def test_nurse_may_not_export(staff, story, suffix):
    answer = await staff.nurse.get(f"/api/exports/sessions/{story.session_id}{suffix}")
    assert answer.status_code == 403
    assert "nurse" in answer.json()["detail"]


async def test_unknown_session_is_404(staff):
    answer = await staff.physician.get(f"/api/exports/sessions/{uuid.uuid4()}.fhir.json")
    assert answer.status_code == 404


async def test_every_export_is_audited(staff, story):
    sid = story.session_id
    for suffix in (".csv", ".json", ".fhir.json", ".pdf"):
        assert (await staff.physician.get(f"/api/exports/sessions/{sid}{suffix}")).is_success
    denied = await staff.nurse.get(f"/api/exports/sessions/{sid}.csv")
    assert denied.status_code == 403
    rows = (await staff.admin.get("/api/audit", params={"action": "export"})).json()
    assert [(row["username"], row["details"]["format"]) for row in reversed(rows)] == [
        ("physician", "csv"),
        ("physician", "json"),
        ("physician", "fhir"),
        ("physician", "pdf"),
    ]
    for row in rows:
        assert row["target_type"] == "session" and row["target_id"] == sid
        assert row["details"]["session_id"] == sid
        assert row["details"]["rows"] == 6
    assert (await staff.admin.get("/api/audit/verify")).json()["ok"] is True
