"""FHIR R4 exports: every resource validated by the R4B models, plus the vital-signs profile."""

import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from app.exports import fhir
from tests.factories import export_reading as reading

pytestmark = pytest.mark.anyio

LOINC, UCUM = "http://loinc.org", "http://unitsofmeasure.org"
VITAL_CODES = {"8867-4": "/min", "9279-1": "/min", "59408-5": "%", "8310-5": "Cel", "29463-7": "kg"}


def validate(resource: dict[str, Any]) -> None:
    """Round-trip through the model of the resource's own type: refuses anything invalid."""
    model = get_fhir_model_class(resource["resourceType"])
    assert model.model_validate(resource).model_dump(mode="json") == resource


def loinc_codes(resource: dict[str, Any]) -> list[str]:
    return [c["code"] for c in resource["code"].get("coding", []) if c["system"] == LOINC]


def check_vital_sign(obs: dict[str, Any]) -> None:
    """The rules of http://hl7.org/fhir/R4/observation-vitalsigns.html that we can check."""
    category = obs["category"][0]["coding"][0]
    assert category == {
        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
        "code": "vital-signs",
        "display": "Vital Signs",
    }
    assert obs["subject"]["reference"] and obs["effectiveDateTime"]
    assert obs["meta"]["profile"][0].startswith("http://hl7.org/fhir/StructureDefinition/")
    codes = loinc_codes(obs)
    if codes[0] == "85354-9":
        assert "valueQuantity" not in obs
        components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in obs["component"]}
        assert set(components) == {"8480-6", "8462-4"}
        for quantity in components.values():
            assert quantity["system"] == UCUM and quantity["code"] == "mm[Hg]"
        return
    quantity = obs["valueQuantity"]
    assert quantity["system"] == UCUM
    assert quantity["code"] == VITAL_CODES[codes[0]]
    if codes[0] == "59408-5":
        assert codes == ["59408-5", "2708-6"]


async def test_session_bundle(staff, story):
    answer = await staff.physician.get(f"/api/exports/sessions/{story.session_id}.fhir.json")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    bundle = answer.json()
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    entries = bundle["entry"]
    full_urls = {e["fullUrl"] for e in entries}
    assert len(full_urls) == len(entries)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        resource = entry["resource"]
        validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        by_type.setdefault(resource["resourceType"], []).append(resource)
        # Every reference inside the Bundle resolves to an entry of the Bundle.
        for ref in _references(resource):
            assert ref in full_urls, (resource["resourceType"], ref)

    (patient,) = by_type["Patient"]
    assert patient["identifier"][0]["value"] == "EXP-4711"
    assert patient["identifier"][0]["type"]["coding"][0]["code"] == "MR"
    (encounter,) = by_type["Encounter"]
    assert encounter["status"] == "finished"
    assert encounter["class"]["code"] == "AMB"
    assert encounter["period"]["start"] < encounter["period"]["end"]
    (infusion,) = by_type["MedicationAdministration"]
    assert infusion["status"] == "completed"
    # This story kept no pump log: the planned 40 mg is never exported as given.
    assert "dose" not in infusion["dosage"]
    assert "the dose given is not known" in infusion["dosage"]["text"]
    assert infusion["dosage"]["route"]["coding"][0]["code"] == "47625008"
    assert infusion["effectivePeriod"]["start"] < infusion["effectivePeriod"]["end"]

    observations = by_type["Observation"]
    vitals = [o for o in observations if o["category"][0]["coding"][0]["code"] == "vital-signs"]
    for obs in vitals:
        check_vital_sign(obs)
    weights = [o for o in vitals if loinc_codes(o) == ["29463-7"]]
    assert len(weights) == 1 and weights[0]["valueQuantity"]["value"] == 80.0
    r = story.readings
    # One BP panel, HR, SpO2, RR and NEWS2 per reading; every reading is there, every status.
    panels = {uuid.UUID(o["id"]) for o in vitals if loinc_codes(o) == ["85354-9"]}
    assert panels == {fhir.observation_id(uuid.UUID(i), "bp") for i in r.values()}
    status = {o["id"]: o["status"] for o in observations}

    def of(name: str, key: str) -> str:
        return str(fhir.observation_id(uuid.UUID(r[name]), key))

    assert status[of("baseline", "heart_rate")] == "final"
    # Superseded by its correction: withdrawn, never `final`.
    assert status[of("typo", "heart_rate")] == "entered-in-error"
    assert status[of("correction", "heart_rate")] == "amended"
    assert status[of("probe_off", "spo2")] == "entered-in-error"
    correction = next(o for o in observations if o["id"] == of("correction", "heart_rate"))
    assert correction["derivedFrom"] == [{"reference": f"urn:uuid:{of('typo', 'heart_rate')}"}]
    assert "typed 150 for 105" in correction["note"][-1]["text"]
    temperature = next(o for o in observations if o["id"] == of("baseline", "temperature_c"))
    assert temperature["valueQuantity"]["value"] == 36.6
    news2 = [o for o in observations if o["code"]["text"] == "NEWS2"]
    assert len(news2) == len(r)
    for score in news2:
        assert score["code"]["coding"][0] == {
            "system": "http://snomed.info/sct",
            "code": "1104051000000101",
            "display": fhir.NEWS2_DISPLAY,
        }
        assert score["category"][0]["coding"][0]["code"] == "survey"
        assert isinstance(score["valueInteger"], int)
    rass = next(o for o in observations if o["id"] == of("normal", "sedation_rass"))
    assert rass["valueInteger"] == -1

    overrides = [i for i in by_type["DetectedIssue"] if i["code"]["text"].startswith("Override")]
    assert [o["mitigation"][0]["action"]["text"] for o in overrides] == [
        "Overridden by a physician: Recovered early; reviewed at the chair"
    ]
    issues = {i["id"]: i for i in by_type["DetectedIssue"] if i not in overrides}
    assert set(issues) == {a["id"] for a in story.alerts}
    for alert in story.alerts:
        issue = issues[alert["id"]]
        assert issue["detail"] == alert["message"]
        assert issue["severity"] == {"high": "high", "medium": "moderate"}[alert["priority"]]
    high = next(a for a in story.alerts if a["rule"] == "sbp_high")
    acknowledged = issues[high["id"]]["mitigation"][0]
    assert acknowledged["action"]["text"] == "Acknowledged: manual cuff recheck"
    assert acknowledged["author"]["display"] == "Physician"
    assert issues[high["id"]]["implicated"] == [{"reference": f"urn:uuid:{of('high_bp', 'bp')}"}]


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if "reference" in node else []
        return found + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _references(item)]
    return []


async def test_range_ndjson(staff, story):
    now = datetime.now(UTC)
    params = {"from": (now - timedelta(hours=1)).isoformat(), "to": now.isoformat()}
    answer = await staff.admin.get("/api/exports/sessions.fhir.ndjson", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+ndjson")
    assert answer.headers["x-total-count"] == "6"
    lines = answer.text.splitlines()
    resources = [json.loads(line) for line in lines]
    for resource in resources:
        validate(resource)
        assert resource["subject"]["reference"] == f"Patient/{story.patient['id']}"
        assert resource["encounter"]["reference"] == f"Encounter/{story.session_id}"
        if resource["category"][0]["coding"][0]["code"] == "vital-signs":
            check_vital_sign(resource)
    assert {r["id"] for r in resources} >= {
        str(fhir.observation_id(uuid.UUID(i), "news2")) for i in story.readings.values()
    }


async def test_audit_trail_as_audit_events(staff, story):
    now = datetime.now(UTC)
    params = {"from": (now - timedelta(hours=1)).isoformat(), "to": now.isoformat()}
    assert (
        await staff.physician.get("/api/exports/audit.fhir.ndjson", params=params)
    ).status_code == 403
    answer = await staff.admin.get("/api/exports/audit.fhir.ndjson", params=params)
    assert answer.status_code == 200, answer.text
    events = [json.loads(line) for line in answer.text.splitlines()]
    assert len(events) == int(answer.headers["x-total-count"]) > 10
    for event in events:
        validate(event)
        assert event["agent"][0]["requestor"] is True
    # The hash chain travels with the entries, so a receiver can re-check the order.
    chain = [{d["type"]: d["valueString"] for d in e["entity"][0]["detail"]} for e in events]
    for before, after in itertools.pairwise(chain):
        assert after["prev_hash"] == before["hash"]
    amend = next(e for e in events if e["subtype"][0]["code"] == "reading.amend")
    assert amend["action"] == "U" and amend["agent"][0]["who"]["display"] == "nurse"
    assert amend["entity"][0]["what"]["identifier"]["value"] == story.readings["correction"]
    audit = (await staff.admin.get("/api/audit", params={"action": "export"})).json()
    assert audit[0]["target_type"] == "audit" and audit[0]["username"] == "admin"
    assert audit[0]["details"]["rows"] == len(events)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "final"),
        ({"status": "amended", "amended_by": uuid.uuid4()}, "entered-in-error"),
        ({"amends": uuid.uuid4(), "amend_reason": "typo"}, "amended"),
        ({"status": "entered_in_error", "error_reason": "wrong patient"}, "entered-in-error"),
        (
            {"amends": uuid.uuid4(), "status": "entered_in_error", "error_reason": "x"},
            "entered-in-error",
        ),
    ],
)
def test_observation_status_mapping(overrides, expected):
    r = reading(**overrides)
    observations = fhir.reading_observations(r, fhir.rest_ref)
    assert {o.status for o in observations} == {expected}


def test_optional_vitals_only_when_measured():
    minimal = fhir.reading_observations(reading(), fhir.rest_ref)
    assert [o.code.text for o in minimal] == ["HR", "Blood pressure", "SpO₂", "NEWS2"]
    full = reading(respiratory_rate=14, temperature_c=36.9, sedation_rass=0)
    assert fhir.observation_keys(full) == [
        "heart_rate",
        "bp",
        "spo2",
        "respiratory_rate",
        "temperature_c",
        "sedation_rass",
    ]
