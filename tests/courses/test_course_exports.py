"""Course exports: FHIR with the totals' LOINC codes, CSV of scores, the PDF report; audited."""

import csv
import io

import pytest
from pypdf import PdfReader

from tests.courses.support import course, infuse_and_discharge, phq9, respond, visit

pytestmark = pytest.mark.anyio


@pytest.fixture
async def finished_course(staff):  # type: ignore[no-untyped-def]
    c = await course(staff.nurse)
    for n, total in enumerate([21, 14, 8], start=1):
        sid = await visit(staff.nurse, c)
        assert (
            await respond(staff.nurse, c["id"], sid, "phq9", phq9(total, 1 if n == 2 else 0))
        ).status_code == 201
        assert (
            await respond(staff.nurse, c["id"], sid, "gad7", [2] * 7 if n == 1 else [1] * 7)
        ).status_code == 201
        if n == 2:
            alert = (await staff.physician.get("/api/alerts", params={"session_id": sid})).json()[0]
            await staff.physician.post(
                f"/api/alerts/{alert['id']}/acknowledge", json={"note": "Seen; safety plan made."}
            )
        effect = await staff.nurse.post(
            f"/api/sessions/{sid}/side-effects", json={"kind": "nausea", "severity": "mild"}
        )
        assert effect.status_code == 201, effect.text
        await infuse_and_discharge(staff.nurse, sid, systolic=150 + n, diastolic=90)
    return c


async def test_fhir_bundle_has_responses_and_loinc_totals(staff, finished_course):
    answer = await staff.physician.get(f"/api/exports/courses/{finished_course['id']}.fhir.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/fhir+json"
    kinds = [e["resource"]["resourceType"] for e in answer.json()["entry"]]
    assert kinds.count("QuestionnaireResponse") == 6 and kinds.count("Observation") == 6
    observations = [
        e["resource"]
        for e in answer.json()["entry"]
        if e["resource"]["resourceType"] == "Observation"
    ]
    codes = {o["code"]["coding"][0]["code"]: [] for o in observations}
    for o in observations:
        codes[o["code"]["coding"][0]["code"]].append(o["valueQuantity"]["value"])
    assert codes == {"44261-6": [21, 14, 8], "70274-6": [14, 7, 7]}
    qr = next(
        e["resource"]
        for e in answer.json()["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    )
    assert qr["questionnaire"] == "http://loinc.org/q/44249-1"
    assert len(qr["item"]) == 9 and qr["item"][8]["answer"] == [{"valueInteger": 0}]
    assert qr["status"] == "completed"


async def test_csv_has_one_row_per_response(staff, finished_course):
    answer = await staff.physician.get(f"/api/exports/courses/{finished_course['id']}.csv")
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["visit"], r["scale"], r["total"]) for r in rows] == [
        ("1", "phq9", "21"), ("1", "gad7", "14"), ("2", "phq9", "14"),
        ("2", "gad7", "7"), ("3", "phq9", "8"), ("3", "gad7", "7"),
    ]  # fmt: skip
    assert rows[2]["self_harm"] == "yes" and rows[2]["item_9"] == "1"
    assert rows[1]["item_8"] == ""  # GAD-7 has seven items
    audit = (await staff.admin.get("/api/audit", params={"limit": 50})).json()
    exports = [a for a in audit if a["action"] == "export" and a["target_type"] == "course"]
    assert exports and exports[0]["details"]["format"] == "csv"


async def test_the_nurse_may_not_export(staff, finished_course):
    assert (
        await staff.nurse.get(f"/api/exports/courses/{finished_course['id']}.csv")
    ).status_code == 403


async def test_pdf_report_renders(staff, finished_course):
    answer = await staff.physician.get(f"/api/exports/courses/{finished_course['id']}.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Treatment course report" in text
    assert "21 to 8 (change -13); response yes, remission no" in text
    assert "Seen; safety plan made." in text
    assert "nausea (mild)" in text
    assert "#1" in text and "#3" in text  # the infusions marked on the trend
