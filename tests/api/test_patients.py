import uuid

import pytest

from tests import factories

pytestmark = pytest.mark.anyio


async def test_create_search_and_read_patient(staff):
    p = await factories.patient(staff.nurse, full_name="Jordan Lee", mrn="A-100")
    assert p["mrn"] == "A-100"
    found = await staff.physician.get("/api/patients", params={"q": "jordan"})
    assert [x["id"] for x in found.json()] == [p["id"]]
    by_mrn = await staff.physician.get("/api/patients", params={"q": "A-100"})
    assert [x["id"] for x in by_mrn.json()] == [p["id"]]
    s = await factories.session(staff.nurse, patient_id=p["id"])
    detail = (await staff.admin.get(f"/api/patients/{p['id']}")).json()
    assert detail["full_name"] == "Jordan Lee"
    assert [x["id"] for x in detail["sessions"]] == [s["id"]]


async def test_duplicate_mrn_is_a_conflict(staff):
    await factories.patient(staff.nurse, mrn="DUP-1")
    again = await staff.nurse.post(
        "/api/patients", json={"mrn": "DUP-1", "full_name": "Other", "date_of_birth": "1990-01-01"}
    )
    assert again.status_code == 409
    assert "DUP-1" in again.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mrn": "", "full_name": "X", "date_of_birth": "1990-01-01"}, "mrn"),
        ({"mrn": "M1", "full_name": "X", "date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"mrn": "M1", "full_name": "", "date_of_birth": "1990-01-01"}, "full_name"),
        ({"mrn": "M1", "full_name": "X", "date_of_birth": "1990-01-01", "ssn": "1"}, "ssn"),
    ],
)
async def test_invalid_patient_names_the_field(staff, body, field):
    answer = await staff.nurse.post("/api/patients", json=body)
    assert answer.status_code == 422
    assert any(e["loc"][-1] == field for e in answer.json()["detail"])


async def test_unknown_patient_is_404(staff):
    assert (await staff.nurse.get(f"/api/patients/{uuid.uuid4()}")).status_code == 404
    assert (await staff.nurse.get("/api/patients/not-a-uuid")).status_code == 422


async def test_admin_may_not_create_patients(staff):
    body = {"mrn": "M2", "full_name": "X", "date_of_birth": "1990-01-01"}
    assert (await staff.admin.post("/api/patients", json=body)).status_code == 403
