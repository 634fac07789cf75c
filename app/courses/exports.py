"""A course's scores as FHIR R4 (QuestionnaireResponse + total-score Observation per response)
and as CSV, one row per response. Pure: a CourseDetail in, bytes out."""

import csv
import io
import uuid
from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.resource import Resource

from app.courses.scales import SCALES
from app.courses.schemas import CourseDetail, ResponseOut
from app.exports.fhir import LOINC, SURVEY, UCUM, bundle_ref, patient, rest_ref

# LOINC publishes its panels as FHIR Questionnaires under this canonical base.
LOINC_QUESTIONNAIRE = "http://loinc.org/q/"
MAX_ITEMS = max(len(s.items) for s in SCALES.values())
CSV_HEADER = [
    "course_id",
    "mrn",
    "indication",
    "visit",
    "session_id",
    "scale",
    "taken_at",
    "total",
    "max_total",
    "band",
    "self_harm",
    "pcl5_dsm5_rule",
    "source",
    *(f"item_{i}" for i in range(1, MAX_ITEMS + 1)),
]


def questionnaire_response(c: CourseDetail, r: ResponseOut) -> QuestionnaireResponse:
    scale = SCALES[r.scale]
    body: dict[str, Any] = {
        "id": str(r.id),
        "questionnaire": LOINC_QUESTIONNAIRE + scale.loinc_panel,
        "status": "completed",
        "subject": bundle_ref("Patient", c.patient.id),
        "encounter": rest_ref("Encounter", r.session_id),
        "authored": r.taken_at.isoformat(),
        "item": [
            {
                "linkId": str(n),
                "text": text,
                "answer": [{"valueInteger": value}],
            }
            for n, (text, value) in enumerate(zip(scale.items, r.answers, strict=True), 1)
        ],
    }
    if r.source == "patient":
        # Answered by the patient on the clinic tablet (patient mode), not read out to staff.
        body["source"] = bundle_ref("Patient", c.patient.id)
    return QuestionnaireResponse.model_validate(body)


def total_observation(c: CourseDetail, r: ResponseOut) -> Observation:
    scale = SCALES[r.scale]
    body: dict[str, Any] = {
        "id": str(uuid.uuid5(r.id, "total")),
        "status": "final",
        "category": SURVEY,
        "code": {
            "coding": [
                {"system": LOINC, "code": scale.loinc_total, "display": f"{scale.title} total"}
            ],
            "text": f"{scale.title} total score",
        },
        "subject": bundle_ref("Patient", c.patient.id),
        "encounter": rest_ref("Encounter", r.session_id),
        "effectiveDateTime": r.taken_at.isoformat(),
        "valueQuantity": {"value": r.total, "unit": "{score}", "system": UCUM, "code": "{score}"},
        "interpretation": [{"text": r.band}],
        "derivedFrom": [bundle_ref("QuestionnaireResponse", r.id)],
    }
    return Observation.model_validate(body)


def course_bundle(c: CourseDetail, exported_at: datetime) -> bytes:
    resources: list[Resource] = [patient(c.patient)]
    for r in c.responses:
        resources += [questionnaire_response(c, r), total_observation(c, r)]
    bundle = Bundle.model_validate(
        {
            "id": str(uuid.uuid5(c.id, "scores")),
            "type": "collection",
            "timestamp": exported_at.isoformat(),
            "entry": [{"fullUrl": f"urn:uuid:{res.id}", "resource": res} for res in resources],
        }
    )
    return bundle.model_dump_json(indent=1).encode()


def course_csv(c: CourseDetail) -> bytes:
    visit = {s.id: s.number for s in c.sessions}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in c.responses:
        answers = [str(a) for a in r.answers] + [""] * (MAX_ITEMS - len(r.answers))
        writer.writerow(
            [
                c.id,
                c.patient.mrn,
                c.indication,
                visit.get(r.session_id, ""),
                r.session_id,
                r.scale,
                r.taken_at.isoformat(),
                r.total,
                r.max_total,
                r.band,
                "yes" if r.self_harm else "no",
                "" if r.dsm5_rule is None else ("yes" if r.dsm5_rule else "no"),
                r.source,
                *answers,
            ]
        )
    return out.getvalue().encode()
