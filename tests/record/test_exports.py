"""Everything the session recorded is in every export: the clinic day's nausea treated with
ondansetron 4 mg IV and resolved, and an infusion whose log says what was really given."""

import csv
import io
import json
from typing import Any

import pytest
from pypdf import PdfReader

from tests.factories import transition
from tests.record.support import minutes_pass
from tests.record.test_clinical import minutes_ago, nausea_treated
from tests.record.test_infusion import verified_infusion

pytestmark = pytest.mark.anyio


async def exports(staff, sid: str) -> dict[str, Any]:
    files = {}
    for suffix in ("csv", "events.csv", "json", "fhir.json", "pdf"):
        answer = await staff.physician.get(f"/api/exports/sessions/{sid}.{suffix}")
        assert answer.status_code == 200, (suffix, answer.text)
        files[suffix] = answer.content
    return files


def resources(bundle: bytes, kind: str) -> list[dict[str, Any]]:
    entries = json.loads(bundle)["entry"]
    return [e["resource"] for e in entries if e["resource"]["resourceType"] == kind]


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


async def test_nausea_ondansetron_resolved_is_in_every_export(app, staff):
    sid, effect, _ = await nausea_treated(app, staff)
    files = await exports(staff, sid)

    events = list(csv.DictReader(io.StringIO(files["events.csv"].decode())))
    kinds = [row["kind"] for row in events]
    assert {"side_effect", "prn", "side_effect_outcome", "phase", "reading"} <= set(kinds)
    assert kinds.index("side_effect") < kinds.index("prn") < kinds.index("side_effect_outcome")
    given = next(row for row in events if row["kind"] == "prn")
    assert (given["drug"], given["dose"], given["unit"], given["route"]) == (
        "ondansetron",
        "4.0",
        "mg",
        "IV",
    )
    assert given["ref"] == effect["id"] and given["mrn"].startswith("MRN-")
    outcome = next(row for row in events if row["kind"] == "side_effect_outcome")
    assert outcome["outcome"] == "resolved with intervention"
    readings = list(csv.DictReader(io.StringIO(files["csv"].decode())))
    assert readings[0]["mrn"] == given["mrn"]

    record = json.loads(files["json"])
    assert record["clinical"]["prn"][0]["drug"] == "ondansetron"
    assert record["clinical"]["side_effects"][0]["outcome"] == "resolved_with_intervention"

    (adverse,) = resources(files["fhir.json"], "AdverseEvent")
    assert adverse["event"]["text"] == "Nausea"
    assert adverse["severity"]["coding"][0]["code"] == "moderate"
    assert adverse["outcome"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
        "code": "resolved",
    }
    assert "Intervention: ondansetron 4 mg IV" in adverse["text"]["div"]
    rescue = next(
        m
        for m in resources(files["fhir.json"], "MedicationAdministration")
        if m["medicationCodeableConcept"]["text"] == "ondansetron"
    )
    assert rescue["dosage"]["dose"] == {
        "value": 4.0,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert rescue["dosage"]["route"]["coding"][0]["code"] == "47625008"
    assert rescue["reasonReference"] == [{"reference": f"urn:uuid:{effect['id']}"}]

    text = pdf_text(files["pdf"])
    for expected in ("Nausea", "ondansetron", "4 mg", "resolved with intervention", "moderate"):
        assert expected in text, expected


async def test_fhir_says_what_the_pump_gave_not_what_was_planned(app, staff):
    sid = await verified_infusion(staff)
    await transition(staff.nurse, sid, "infusion")
    await minutes_pass(app, sid, 30)
    for entry in (
        {"kind": "start", "at": minutes_ago(25), "rate_mg_per_kg_h": 0.75},
        {"kind": "stop", "at": minutes_ago(23), "note": "patient asked to stop"},
    ):
        answer = await staff.nurse.post(f"/api/sessions/{sid}/infusion/events", json=entry)
        assert answer.status_code == 201, answer.text
    await staff.nurse.post(
        f"/api/sessions/{sid}/assessments",
        json={
            "scale": "cadss6",
            "items": dict.fromkeys(
                [
                    "slow_motion",
                    "unreal",
                    "separated",
                    "outside_body",
                    "observer",
                    "disconnected_body",
                ],
                2,
            ),
        },
    )
    files = await exports(staff, sid)
    (given,) = resources(files["fhir.json"], "MedicationAdministration")
    # Two minutes at 60 mg/h: 2 mg, not the 40 mg planned.
    assert given["dosage"]["dose"]["value"] == 2.0
    assert "2 mg delivered of 40 mg planned" in given["dosage"]["text"]
    assert "2 min actual" in given["dosage"]["text"]
    assert "planned)" not in given["dosage"]["text"]
    assert given["effectivePeriod"]["end"] > given["effectivePeriod"]["start"]
    assert any("patient asked to stop" in n["text"] for n in given["note"])
    cadss = next(
        o
        for o in resources(files["fhir.json"], "Observation")
        if o["code"]["coding"][0]["code"] == "cadss6"
    )
    assert cadss["valueInteger"] == 12 and len(cadss["component"]) == 6
    assert cadss["category"][0]["coding"][0]["code"] == "survey"
    events = files["events.csv"].decode()
    assert "pump_start" in events and "pump_stop" in events and "infusion_verified" in events
    text = pdf_text(files["pdf"])
    for expected in ("KET-24117", "2 mg", "CADSS-6 12/24", "patient asked to stop"):
        assert expected in text, expected
