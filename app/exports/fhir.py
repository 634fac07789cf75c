"""FHIR R4 resources built from export rows. Pure: no I/O.

Every resource is constructed through the `fhir.resources.R4B` models, so output the models
refuse fails here rather than in a receiving system. R4B is R4 with a handful of medication and
evidence resources reworked; every resource used here has the same shape in R4 and R4B.
The mapping decisions (statuses, amendments, alerts) are written down in docs/exports.md.
"""

import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.detectedissue import DetectedIssue
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

from app.alerts.rules import DEFAULT_RULES
from app.audit.models import AuditEvent
from app.exports.schemas import ExportAlert, ExportReading
from app.patients.schemas import PatientBrief
from app.sessions.schemas import News2Out, SessionDetail
from app.vitals.codes import BP_PANEL_LOINC, SPO2_ALT_LOINC, UNIT_TEXT, VITALS, WEIGHT_LOINC

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
AUDIT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
MRN_SYSTEM = "urn:vigil:mrn"
ALERT_RULE_SYSTEM = "urn:vigil:alert-rule"
AUDIT_ACTION_SYSTEM = "urn:vigil:audit-action"
PROFILE = "http://hl7.org/fhir/StructureDefinition/"
NEWS2_SNOMED = "1104051000000101"
NEWS2_DISPLAY = "Royal College of Physicians NEWS2 (National Early Warning Score 2) total score"
IV_ROUTE = ("47625008", "Intravenous route")
KETAMINE_RXNORM = "6130"

# Vital-signs profile per observation key (http://hl7.org/fhir/R4/observation-vitalsigns.html).
VITAL_PROFILES = {
    "heart_rate": "heartrate",
    "respiratory_rate": "resprate",
    "spo2": "oxygensat",
    "temperature_c": "bodytemp",
    "bp": "bp",
    "weight": "bodyweight",
}
ENCOUNTER_STATUS = {"discharged": "finished", "aborted": "cancelled"}
SEVERITY = {"high": "high", "medium": "moderate", "low": "low"}
# Which observation of the raising reading an alert rule is about.
RULE_OBSERVATION = {
    r.code: "bp" if r.parameter in ("systolic", "diastolic") else r.parameter for r in DEFAULT_RULES
}

Ref = Callable[[str, uuid.UUID], dict[str, str]]


def bundle_ref(_kind: str, id_: uuid.UUID) -> dict[str, str]:
    """Inside a Bundle every entry's fullUrl is urn:uuid:<id>, so references are too."""
    return {"reference": f"urn:uuid:{id_}"}


def rest_ref(kind: str, id_: uuid.UUID) -> dict[str, str]:
    """Outside a Bundle (NDJSON), references are relative, as in FHIR Bulk Data files."""
    return {"reference": f"{kind}/{id_}"}


def observation_id(reading_id: uuid.UUID, key: str) -> uuid.UUID:
    """Stable per (reading, vital): exporting twice gives the same ids."""
    return uuid.uuid5(reading_id, key)


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _quantity(value: float, ucum: str) -> dict[str, Any]:
    return {"value": value, "unit": UNIT_TEXT.get(ucum) or ucum, "system": UCUM, "code": ucum}


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [_coding(OBSERVATION_CATEGORY, code, display)], "text": display}]


VITAL_SIGNS = _category("vital-signs", "Vital Signs")
SURVEY = _category("survey", "Survey")


def patient(p: PatientBrief) -> Patient:
    return Patient.model_validate(
        {
            "id": str(p.id),
            "identifier": [
                {
                    "use": "usual",
                    "type": {"coding": [_coding(IDENTIFIER_TYPE, "MR", "Medical record number")]},
                    "system": MRN_SYSTEM,
                    "value": p.mrn,
                }
            ],
            "name": [{"text": p.full_name}],
            "birthDate": p.date_of_birth.isoformat(),
        }
    )


def encounter(s: SessionDetail, ref: Ref) -> Encounter:
    period = {"start": s.created_at.isoformat()}
    ended = next((p.at for p in s.phase_history if p.to_phase in ENCOUNTER_STATUS), None)
    if ended is not None:
        period["end"] = ended.isoformat()
    return Encounter.model_validate(
        {
            "id": str(s.id),
            "status": ENCOUNTER_STATUS.get(s.phase, "in-progress"),
            "class": _coding(ACT_CODE, "AMB", "ambulatory"),
            "type": [
                {"text": f"{s.drug} session ({s.protocol_rules.route}, protocol {s.protocol})"}
            ],
            "subject": ref("Patient", s.patient.id),
            "period": period,
            "location": [{"location": {"display": s.location}}],
        }
    )


def weight_observation(s: SessionDetail, ref: Ref) -> Observation:
    """One weight, measured today for the dose (DESIGN §1)."""
    return Observation.model_validate(
        {
            "id": str(uuid.uuid5(s.id, "weight")),
            "meta": {"profile": [PROFILE + "bodyweight"]},
            "status": "final",
            "category": VITAL_SIGNS,
            "code": {"coding": [_coding(LOINC, WEIGHT_LOINC, "Body weight")], "text": "Weight"},
            "subject": ref("Patient", s.patient.id),
            "encounter": ref("Encounter", s.id),
            "effectiveDateTime": s.created_at.isoformat(),
            "valueQuantity": _quantity(s.weight_kg, "kg"),
        }
    )


def observation_status(r: ExportReading) -> str:
    """See docs/exports.md: a correction is `amended`; the reading it supersedes is withdrawn
    (`entered-in-error`), so no current consumer takes its values as the patient's."""
    if r.status in ("entered_in_error", "amended"):
        return "entered-in-error"
    if r.amends is not None:
        return "amended"
    if r.source == "device" and r.validated_at is None:
        # A monitor's value no nurse has checked: FHIR's "preliminary", verified is "final".
        return "preliminary"
    return "final"


def observation_keys(r: ExportReading) -> list[str]:
    """One key per Observation of a reading, in chart order; "bp" is the panel."""
    keys = []
    for field in VITALS:
        if field == "systolic":
            if r.systolic is not None:
                keys.append("bp")
        elif field != "diastolic" and getattr(r, field) is not None:
            keys.append(field)
    return keys


def _notes(r: ExportReading) -> list[dict[str, str]]:
    notes = []
    if r.note:
        notes.append({"text": r.note})
    if r.amends is not None:
        notes.append({"text": f"Corrects reading {r.amends}: {r.amend_reason}"})
    if r.amended_by is not None:
        notes.append({"text": f"Superseded by the correction in reading {r.amended_by}"})
    if r.error_reason is not None:
        notes.append({"text": f"Entered in error: {r.error_reason}"})
    if r.late_reason is not None:
        notes.append({"text": f"Late entry, after the session ended: {r.late_reason}"})
    if r.validated_at is not None:
        notes.append(
            {"text": f"Validated by {r.validated_by_username} at {r.validated_at.isoformat()}"}
        )
    return notes


def _vital(r: ExportReading, key: str) -> dict[str, Any]:
    if key == "bp":
        systolic, diastolic = VITALS["systolic"], VITALS["diastolic"]
        return {
            "meta": {"profile": [PROFILE + "bp"]},
            "category": VITAL_SIGNS,
            "code": {
                "coding": [_coding(LOINC, BP_PANEL_LOINC, "Blood pressure panel")],
                "text": "Blood pressure",
            },
            "component": [
                {
                    "code": {"coding": [_coding(LOINC, str(v.loinc), v.display)], "text": v.label},
                    "valueQuantity": _quantity(value, v.unit),
                }
                for v, value in ((systolic, r.systolic), (diastolic, r.diastolic))
                if value is not None
            ],
        }
    vital = VITALS[key]
    value = getattr(r, key)
    if vital.loinc is None:
        # RASS and CADSS-6 are scores, not vital signs: survey observations with text codes.
        return {
            "category": SURVEY,
            "code": {"text": f"{vital.display} ({vital.label})"},
            "valueInteger": value,
        }
    codings = [_coding(LOINC, vital.loinc, vital.display)]
    if key == "spo2":
        codings.append(_coding(LOINC, SPO2_ALT_LOINC, "Oxygen saturation in Arterial blood"))
    return {
        "meta": {"profile": [PROFILE + VITAL_PROFILES[key]]},
        "category": VITAL_SIGNS,
        "code": {"coding": codings, "text": vital.label},
        "valueQuantity": _quantity(value, vital.unit),
    }


def reading_observations(
    r: ExportReading, ref: Ref, *, original_keys: Iterable[str] | None = None
) -> list[Observation]:
    """One Observation per vital of the reading (BP as one panel), then its NEWS2.

    `original_keys`: the observations the amended reading had, when known (a Bundle), so a
    correction links only to what exists; unknown (NDJSON), it links by key.
    """
    keys = observation_keys(r)
    linked = set(keys if original_keys is None else original_keys)
    common: dict[str, Any] = {
        "status": observation_status(r),
        "subject": ref("Patient", r.patient_id),
        "encounter": ref("Encounter", r.session_id),
        "effectiveDateTime": r.taken_at.isoformat(),
        "issued": r.recorded_at.isoformat(),
        "performer": [{"display": r.recorded_by_username}],
    }
    if r.device_id is not None:
        common["device"] = {"display": f"Bedside monitor {r.device_id}"}
    if r.validated_by_username is not None:
        # The device measured it; the nurse who validated it is the one who vouches for it.
        common["performer"] = [{"display": r.validated_by_username}]
    notes = _notes(r)
    if notes:
        common["note"] = notes
    resources = []
    for key in keys:
        body = {"id": str(observation_id(r.id, key)), **common, **_vital(r, key)}
        if r.amends is not None and key in linked:
            body["derivedFrom"] = [ref("Observation", observation_id(r.amends, key))]
        resources.append(Observation.model_validate(body))
    if r.news2 is not None:
        resources.append(news2_observation(r, ref, common, keys, r.news2))
    return resources


def news2_observation(
    r: ExportReading, ref: Ref, common: dict[str, Any], keys: list[str], score: News2Out
) -> Observation:
    notes = list(common.get("note", []))
    if score.missing:
        notes.append({"text": "Partial score: not measured: " + ", ".join(score.missing)})
    if score.carried:
        notes.append({"text": "From an earlier monitor reading: " + ", ".join(score.carried)})
    return Observation.model_validate(
        {
            "id": str(observation_id(r.id, "news2")),
            **common,
            "note": notes or None,
            "category": SURVEY,
            "code": {"coding": [_coding(SNOMED, NEWS2_SNOMED, NEWS2_DISPLAY)], "text": "NEWS2"},
            "valueInteger": score.score,
            "derivedFrom": [ref("Observation", observation_id(r.id, key)) for key in keys],
            "component": [
                {"code": {"text": name}, "valueInteger": points}
                for name, points in score.components.items()
            ],
        }
    )


def alert_issue(
    a: ExportAlert,
    ref: Ref,
    *,
    patient_id: uuid.UUID,
    raised_by: ExportReading | None,
    acknowledged_by: str | None,
) -> DetectedIssue:
    """An alert as a DetectedIssue: severity from priority, acknowledgement as a mitigation."""
    mitigation = []
    if a.acknowledged_at is not None:
        mitigation.append(
            {
                "action": {"text": "Acknowledged" + (f": {a.ack_note}" if a.ack_note else "")},
                "date": a.acknowledged_at.isoformat(),
                "author": {"display": acknowledged_by or str(a.acknowledged_by)},
            }
        )
    if a.resolved_at is not None:
        mitigation.append(
            {
                "action": {"text": f"Resolved: {a.resolved_reason or 'condition cleared'}"},
                "date": a.resolved_at.isoformat(),
            }
        )
    body: dict[str, Any] = {
        "id": str(a.id),
        "status": "final",
        "code": {"coding": [_coding(ALERT_RULE_SYSTEM, a.rule)], "text": f"{a.kind} alert"},
        "severity": SEVERITY[a.priority],
        "patient": ref("Patient", patient_id),
        "identifiedDateTime": a.raised_at.isoformat(),
        "detail": a.message,
        "mitigation": mitigation or None,
    }
    key = RULE_OBSERVATION.get(a.rule)
    if raised_by is not None and key in [*observation_keys(raised_by), "news2"]:
        body["implicated"] = [ref("Observation", observation_id(raised_by.id, str(key)))]
    return DetectedIssue.model_validate(body)


def readings_ndjson(readings: Iterable[ExportReading]) -> bytes:
    lines = [o.model_dump_json() for r in readings for o in reading_observations(r, rest_ref)]
    return "".join(line + "\n" for line in lines).encode()


def _audit_type(action: str) -> dict[str, str]:
    if action.startswith("auth."):
        return _coding(DICOM, "110114", "User Authentication")
    if action == "export":
        return _coding(DICOM, "110106", "Export")
    return _coding(AUDIT_TYPE, "rest", "RESTful Operation")


def _audit_action(action: str) -> str:
    verb = action.rsplit(".", 1)[-1]
    if verb in ("create", "note"):
        return "C"
    if verb in ("read", "search", "export"):
        return "R"
    if action.startswith("auth."):
        return "E"
    return "U"


def audit_event(row: AuditEvent) -> FhirAuditEvent:
    """One audit row; its hash-chain fields travel in entity.detail so the chain stays checkable."""
    who: dict[str, Any] = {"display": row.username or "system"}
    if row.user_id is not None:
        who["identifier"] = {"system": "urn:vigil:user", "value": str(row.user_id)}
    agent: dict[str, Any] = {"who": who, "requestor": True}
    if row.client_addr:
        agent["network"] = {"address": row.client_addr, "type": "2"}
    entity: dict[str, Any] = {
        "detail": [
            {"type": "details", "valueString": json.dumps(row.details, sort_keys=True)},
            {"type": "prev_hash", "valueString": row.prev_hash},
            {"type": "hash", "valueString": row.hash},
        ]
    }
    if row.target_id is not None:
        entity["what"] = {
            "identifier": {"system": f"urn:vigil:{row.target_type}", "value": row.target_id}
        }
    return FhirAuditEvent.model_validate(
        {
            "id": str(row.id),
            "type": _audit_type(row.action),
            "subtype": [_coding(AUDIT_ACTION_SYSTEM, row.action)],
            "action": _audit_action(row.action),
            "recorded": row.at.isoformat(),
            "outcome": "0" if row.outcome == "success" else "4",
            "outcomeDesc": row.outcome,
            "agent": [agent],
            "source": {"site": "Vigil", "observer": {"display": "Vigil"}},
            "entity": [entity],
        }
    )


def audit_ndjson(rows: Iterable[AuditEvent]) -> bytes:
    return "".join(audit_event(row).model_dump_json() + "\n" for row in rows).encode()
