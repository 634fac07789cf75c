"""FHIR R4 resources for what a session records besides readings: the infusion (or intranasal
dose) as given, PRN medicines, side effects, the CADSS-6/sedation assessments, the Aldrete
score and physicians' overrides. Pure: no I/O; built through the R4B models.
Mapping decisions are in docs/exports.md.
"""

import html
import uuid
from typing import Any

from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.detectedissue import DetectedIssue
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.resource import Resource

from app.clinical.scales import CADSS6_ITEMS, OUTCOME_LABELS, SCALE_NAMES, SIDE_EFFECT_LABELS
from app.clinical.schemas import AssessmentOut, PrnOut, SideEffectOut
from app.exports.fhir import (
    KETAMINE_RXNORM,
    RXNORM,
    SNOMED,
    SURVEY,
    Ref,
    alert_issue,
    bundle_ref,
    encounter,
    observation_keys,
    patient,
    reading_observations,
    weight_observation,
)
from app.exports.fhir import _coding as coding
from app.exports.fhir import _quantity as quantity
from app.exports.schemas import SessionRecord
from app.sessions.schemas import SessionDetail

VIGIL_SCALE = "urn:vigil:scale"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
ROUTES = {
    "IV": ("47625008", "Intravenous route"),
    "IM": ("78421000", "Intramuscular route"),
    "PO": ("26643006", "Oral route"),
    "SL": ("37839007", "Sublingual route"),
    "IN": ("46713006", "Nasal route"),
    "SC": ("34206005", "Subcutaneous route"),
    "inhaled": ("447694001", "Respiratory tract route"),
}
UCUM_UNITS = {"mg": "mg", "mcg": "ug", "mL": "mL", "units": "[iU]", "L/min": "L/min"}
# Our outcomes in the adverse-event-outcome code system.
AE_OUTCOMES = {
    "ongoing": "ongoing",
    "resolved": "resolved",
    "resolved_with_intervention": "resolved",
    "escalated": "ongoing",
}


def _route(code: str) -> dict[str, Any]:
    snomed, display = ROUTES[code]
    return {"coding": [coding(SNOMED, snomed, display)], "text": code}


def medication_status(s: SessionDetail, pump_status: str) -> str:
    if s.phase == "aborted":
        return "stopped"
    if pump_status == "stopped" or s.infusion_ended_at is not None:
        return "completed"
    return "in-progress"


def infusion_administration(record: SessionRecord, ref: Ref) -> MedicationAdministration | None:
    """The drug as given: the pump log's actual times and delivered dose for an infusion, the
    dosing phase and fixed dose for an intranasal protocol. None when nothing was given."""
    s, infusion = record.session, record.infusion
    rules = s.protocol_rules
    intranasal = rules.route == "intranasal"
    started = infusion.events[0].at if infusion.events else s.infusion_started_at
    if started is None:
        return None
    stopped = next((e.at for e in infusion.events if e.kind == "stop"), None)
    if not infusion.events:
        stopped = s.infusion_ended_at
    period = {"start": started.isoformat()}
    if stopped is not None:
        period["end"] = stopped.isoformat()
    medication: dict[str, Any] = {"text": s.drug}
    if s.drug.lower() == "ketamine":
        medication["coding"] = [coding(RXNORM, KETAMINE_RXNORM, "ketamine")]
    notes: list[dict[str, str]] = []
    dosage: dict[str, Any] = {"route": _route("IN" if intranasal else "IV")}
    if intranasal:
        dosage["text"] = f"{s.total_dose_mg:g} mg intranasal in {s.devices} devices"
        dosage["dose"] = quantity(s.total_dose_mg, "mg")
    elif infusion.events:
        order = infusion.order
        actual = infusion.actual_minutes
        dosage["text"] = (
            f"{infusion.delivered_mg:g} mg delivered of {s.total_dose_mg:g} mg planned "
            f"({s.dose_mg_per_kg:g} mg/kg × {s.weight_kg:g} kg), "
            + (f"{actual:g} min actual" if actual is not None else "still running")
            + f", {infusion.infusing_minutes:g} min infusing"
        )
        dosage["dose"] = quantity(infusion.delivered_mg, "mg")
        first_rate = next((e.rate_mg_per_kg_h for e in infusion.events if e.rate_mg_per_kg_h), None)
        if first_rate is not None:
            dosage["rateQuantity"] = quantity(round(first_rate * s.weight_kg, 2), "mg/h")
        if order is not None:
            notes.append(
                {
                    "text": f"{order.drug} {order.concentration_mg_per_ml:g} mg/mL, "
                    f"lot {order.lot}, expiry {order.expiry.isoformat()}"
                }
            )
        for e in infusion.events:
            what = e.kind.replace("_", " ")
            if e.rate_mg_per_kg_h:
                what += f" at {e.rate_mg_per_kg_h:g} mg/kg/h ({e.rate_ml_per_h:g} mL/h)"
            if e.bolus_mg:
                what += f" {e.bolus_mg:g} mg"
            if e.note:
                what += f": {e.note}"
            notes.append({"text": f"{e.at.isoformat()} {what}"})
    else:
        # Phases without a pump log: the phase times are all that is known, so the planned dose
        # is stated as planned, never as given.
        dosage["text"] = (
            f"{s.total_dose_mg:g} mg planned IV; no pump log was recorded, so the dose given is "
            "not known"
        )
    return MedicationAdministration.model_validate(
        {
            "id": str(uuid.uuid5(s.id, "medication")),
            "status": medication_status(s, infusion.status),
            "medicationCodeableConcept": medication,
            "subject": ref("Patient", s.patient.id),
            "context": ref("Encounter", s.id),
            "effectivePeriod": period,
            "dosage": dosage,
            "note": notes or None,
        }
    )


def prn_administration(p: PrnOut, s: SessionDetail, ref: Ref) -> MedicationAdministration:
    body: dict[str, Any] = {
        "id": str(p.id),
        "status": "completed",
        "category": {"text": "PRN (rescue) medicine"},
        "medicationCodeableConcept": {"text": p.drug},
        "subject": ref("Patient", s.patient.id),
        "context": ref("Encounter", s.id),
        "effectiveDateTime": p.given_at.isoformat(),
        "reasonCode": [{"text": p.indication}],
        "dosage": {
            "text": f"{p.dose:g} {p.unit} {p.route}",
            "route": _route(p.route),
            "dose": quantity(p.dose, UCUM_UNITS[p.unit]),
        },
    }
    if p.side_effect_id is not None:
        body["reasonReference"] = [ref("AdverseEvent", p.side_effect_id)]
    return MedicationAdministration.model_validate(body)


def _narrative(e: SideEffectOut) -> dict[str, str]:
    """What AdverseEvent has no element for in R4: the intervention and the outcome history."""
    lines = [f"{SIDE_EFFECT_LABELS[e.kind]}, {e.severity}, from {e.onset_at.isoformat()}"]
    if e.intervention:
        lines.append(f"Intervention: {e.intervention}")
    if e.note:
        lines.append(f"Note: {e.note}")
    lines += [f"{o.at.isoformat()}: {OUTCOME_LABELS[o.outcome]}" for o in e.outcomes]
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def adverse_event(e: SideEffectOut, s: SessionDetail, ref: Ref) -> AdverseEvent:
    label = SIDE_EFFECT_LABELS[e.kind]
    return AdverseEvent.model_validate(
        {
            "id": str(e.id),
            "actuality": "actual",
            "text": _narrative(e),
            "event": {"coding": [coding("urn:vigil:side-effect", e.kind, label)], "text": label},
            "subject": ref("Patient", s.patient.id),
            "encounter": ref("Encounter", s.id),
            "date": e.onset_at.isoformat(),
            "detected": e.onset_at.isoformat(),
            "severity": {"coding": [coding(AE_SEVERITY, e.severity, e.severity.title())]},
            "outcome": {
                "coding": [coding(AE_OUTCOME, AE_OUTCOMES[e.outcome])],
                "text": OUTCOME_LABELS[e.outcome],
            },
            "suspectEntity": [
                {"instance": ref("MedicationAdministration", uuid.uuid5(s.id, "medication"))}
            ]
            if s.infusion_started_at
            else None,
        }
    )


def assessment_observation(a: AssessmentOut, s: SessionDetail, ref: Ref) -> Observation:
    """CADSS-6 (with its six items as components), MOASS or RASS: scores, so `survey`."""
    body: dict[str, Any] = {
        "id": str(a.id),
        "status": "final",
        "category": SURVEY,
        "code": {"coding": [coding(VIGIL_SCALE, a.scale, SCALE_NAMES[a.scale])], "text": a.label},
        "subject": ref("Patient", s.patient.id),
        "encounter": ref("Encounter", s.id),
        "effectiveDateTime": a.taken_at.isoformat(),
        "valueInteger": a.score,
    }
    if a.items:
        body["component"] = [
            {
                "code": {"coding": [coding(VIGIL_SCALE, f"cadss6.{name}", text)], "text": text},
                "valueInteger": a.items[name],
            }
            for name, text in CADSS6_ITEMS.items()
        ]
    return Observation.model_validate(body)


def aldrete_observation(s: SessionDetail, ref: Ref) -> Observation | None:
    if s.aldrete is None:
        return None
    discharged = next((p.at for p in s.phase_history if p.to_phase == "discharged"), None)
    items = s.aldrete.model_dump()
    return Observation.model_validate(
        {
            "id": str(uuid.uuid5(s.id, "aldrete")),
            "status": "final",
            "category": SURVEY,
            "code": {
                "coding": [coding(VIGIL_SCALE, "aldrete", "Modified Aldrete score")],
                "text": "Modified Aldrete score",
            },
            "subject": ref("Patient", s.patient.id),
            "encounter": ref("Encounter", s.id),
            "effectiveDateTime": (discharged or s.phase_started_at).isoformat(),
            "valueInteger": s.aldrete.total,
            "component": [
                {"code": {"text": name.replace("_", " ")}, "valueInteger": value}
                for name, value in items.items()
            ],
        }
    )


def override_issues(record: SessionRecord, ref: Ref) -> list[DetectedIssue]:
    """A physician's override of a gate: the gate as the issue, the reason as its mitigation."""
    s = record.session
    return [
        DetectedIssue.model_validate(
            {
                "id": str(uuid.uuid5(s.id, f"override-{p.at.isoformat()}")),
                "status": "final",
                "code": {"text": f"Override to {p.to_phase.replace('_', ' ')}"},
                "patient": ref("Patient", s.patient.id),
                "identifiedDateTime": p.at.isoformat(),
                "mitigation": [
                    {
                        "action": {"text": f"Overridden by a physician: {p.reason}"},
                        "date": p.at.isoformat(),
                        "author": {"display": record.staff_name(p.by)},
                    }
                ],
            }
        )
        for p in s.phase_history
        if p.override
    ]


def session_bundle(record: SessionRecord) -> Bundle:
    """A collection Bundle: Patient, Encounter, the drug as given, weight, readings with NEWS2,
    PRN medicines, side effects, assessments, Aldrete, alerts and overrides."""
    s, ref = record.session, bundle_ref
    by_id = {r.id: r for r in record.readings}
    resources: list[Resource] = [patient(s.patient), encounter(s, ref)]
    if (given := infusion_administration(record, ref)) is not None:
        resources.append(given)
    resources.append(weight_observation(s, ref))
    for r in record.readings:
        original = by_id.get(r.amends) if r.amends else None
        keys = observation_keys(original) if original else None
        resources.extend(reading_observations(r, ref, original_keys=keys))
    resources += [adverse_event(e, s, ref) for e in record.clinical.side_effects]
    resources += [prn_administration(p, s, ref) for p in record.clinical.prn]
    resources += [assessment_observation(a, s, ref) for a in record.clinical.assessments]
    if (aldrete := aldrete_observation(s, ref)) is not None:
        resources.append(aldrete)
    for a in record.alerts:
        resources.append(
            alert_issue(
                a,
                ref,
                patient_id=s.patient.id,
                raised_by=by_id.get(a.first_reading_id) if a.first_reading_id else None,
                acknowledged_by=record.staff_name(a.acknowledged_by) or None,
            )
        )
    resources += override_issues(record, ref)
    return Bundle.model_validate(
        {
            "id": str(uuid.uuid5(s.id, "bundle")),
            "type": "collection",
            "timestamp": record.exported_at.isoformat(),
            "entry": [{"fullUrl": f"urn:uuid:{res.id}", "resource": res} for res in resources],
        }
    )
