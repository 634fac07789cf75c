"""Sites and chairs as data: admins define them, a session is in a chair, one active per chair,
users see the sites they belong to."""

import uuid
from typing import Any

import httpx
import pytest

from tests import factories

pytestmark = pytest.mark.anyio


async def new_site(admin: httpx.AsyncClient, name: str, chairs: list[str]) -> dict[str, Any]:
    site = await admin.post("/api/sites", json={"name": name})
    assert site.status_code == 201, site.text
    for chair in chairs:
        answer = await admin.post(f"/api/sites/{site.json()['id']}/chairs", json={"name": chair})
        assert answer.status_code == 201, answer.text
    listed = (await admin.get("/api/sites")).json()
    return next(s for s in listed if s["id"] == site.json()["id"])  # type: ignore[no-any-return]


async def test_admin_defines_sites_and_chairs_in_order(staff):
    site = await new_site(staff.admin, "North", ["Bay B", "Bay A", "Recliner"])
    assert [c["name"] for c in site["chairs"]] == ["Bay B", "Bay A", "Recliner"]
    assert [c["position"] for c in site["chairs"]] == [1, 2, 3]
    recliner = site["chairs"][2]
    moved = await staff.admin.patch(f"/api/chairs/{recliner['id']}", json={"position": 0})
    assert moved.status_code == 200, moved.text
    site = next(s for s in (await staff.admin.get("/api/sites")).json() if s["name"] == "North")
    assert [c["name"] for c in site["chairs"]] == ["Recliner", "Bay B", "Bay A"]
    again = await staff.admin.post(f"/api/sites/{site['id']}/chairs", json={"name": "Bay A"})
    assert again.status_code == 409
    assert "Bay A" in again.json()["detail"]


async def test_only_admins_define_sites(staff):
    for client in (staff.nurse, staff.physician):
        assert (await client.post("/api/sites", json={"name": "X"})).status_code == 403
    site = (await staff.nurse.get("/api/sites")).json()[0]
    answer = await staff.nurse.post(f"/api/sites/{site['id']}/chairs", json={"name": "Z"})
    assert answer.status_code == 403


async def test_double_booked_chair_is_409(staff):
    first = await factories.session(staff.nurse, location="Chair 2")
    assert first["location"] == "Chair 2"
    assert first["chair_id"] == await factories.chair_id(staff.nurse, "Chair 2")
    patient = await factories.patient(staff.nurse)
    second = await staff.nurse.post(
        "/api/sessions",
        json={
            "patient_id": patient["id"],
            "chair_id": first["chair_id"],
            "weight_kg": 70,
            "dose_mg_per_kg": 0.5,
        },
    )
    assert second.status_code == 409
    assert "Chair 2 already has an active session" in second.json()["detail"]
    chairs = (await staff.nurse.get("/api/sites")).json()[0]["chairs"]
    assert next(c for c in chairs if c["name"] == "Chair 2")["session_id"] == first["id"]
    # Once the session ends the chair is free again.
    aborted = await factories.transition(staff.nurse, first["id"], "aborted", reason="unwell")
    assert aborted.status_code == 200, aborted.text
    third = await factories.session(staff.nurse, patient_id=patient["id"], location="Chair 2")
    assert third["chair_id"] == first["chair_id"]


async def test_retired_chair_takes_no_sessions(staff):
    chair = await factories.chair_id(staff.nurse, "Chair 5")
    retired = await staff.admin.patch(f"/api/chairs/{chair}", json={"retired": True})
    assert retired.status_code == 200 and retired.json()["retired_at"]
    patient = await factories.patient(staff.nurse)
    answer = await staff.nurse.post(
        "/api/sessions",
        json={"patient_id": patient["id"], "chair_id": chair, "weight_kg": 70, "dose_mg_per_kg": 1},
    )
    assert answer.status_code == 422
    assert "retired" in answer.json()["detail"][0]["msg"]
    names = [c["name"] for c in (await staff.nurse.get("/api/sites")).json()[0]["chairs"]]
    assert "Chair 5" not in names
    # The admin screen lists it, to bring it back into service.
    listed = await staff.admin.get("/api/sites", params={"include_retired": True})
    assert chair in [c["id"] for c in listed.json()[0]["chairs"] if c["retired_at"]]


async def test_users_see_only_their_sites(staff):
    north = await new_site(staff.admin, "North", ["N1"])
    # The nurse works at the main site only: North and its sessions are not theirs.
    assert [s["name"] for s in (await staff.nurse.get("/api/sites")).json()] == ["Main site"]
    physician_id = staff.ids["physician"]
    joined = await staff.admin.put(f"/api/sites/{north['id']}/members/{physician_id}")
    assert joined.status_code == 204
    members = (await staff.admin.get(f"/api/sites/{north['id']}/members")).json()
    assert members == [str(physician_id)]
    at_north = await factories.session(staff.physician, chair_id=north["chairs"][0]["id"])
    at_main = await factories.session(staff.nurse)
    nurse_sees = [s["id"] for s in (await staff.nurse.get("/api/sessions")).json()]
    assert nurse_sees == [at_main["id"]]
    hidden = await staff.nurse.get(f"/api/sessions/{at_north['id']}")
    assert hidden.status_code == 404
    readings = await staff.nurse.get(f"/api/sessions/{at_north['id']}/readings")
    assert readings.status_code == 404
    by_site = await staff.physician.get("/api/sessions", params={"site_id": north["id"]})
    assert [s["id"] for s in by_site.json()] == [at_north["id"]]
    assert at_north["site_id"] == north["id"]
    # A nurse cannot open a session in a chair of a site they do not work at.
    patient = await factories.patient(staff.nurse)
    refused = await staff.nurse.post(
        "/api/sessions",
        json={
            "patient_id": patient["id"],
            "chair_id": north["chairs"][0]["id"],
            "weight_kg": 70,
            "dose_mg_per_kg": 1,
        },
    )
    assert refused.status_code == 422
    unknown = await staff.nurse.get("/api/sessions", params={"site_id": north["id"]})
    assert unknown.status_code == 404


async def test_site_changes_are_audited(staff):
    site = await new_site(staff.admin, "East", ["E1"])
    url = "https://pager.example.org/hook?token=secret"
    answer = await staff.admin.patch(
        f"/api/sites/{site['id']}", json={"escalation_webhook_url": url}
    )
    assert answer.status_code == 200 and answer.json()["escalation_webhook_configured"]
    audit = (await staff.admin.get("/api/audit", params={"limit": 50})).json()
    actions = {row["action"] for row in audit}
    assert {"site.create", "chair.create", "site.update"} <= actions
    assert "secret" not in str(audit)


async def test_unknown_ids_are_404(staff):
    missing = uuid.uuid4()
    assert (await staff.admin.patch(f"/api/chairs/{missing}", json={})).status_code == 404
    site = (await staff.admin.get("/api/sites")).json()[0]
    answer = await staff.admin.put(f"/api/sites/{site['id']}/members/{missing}")
    assert answer.status_code == 404
