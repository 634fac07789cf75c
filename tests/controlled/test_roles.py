"""Who may do what in the log is the clinic's to set: admins change it, the server enforces it,
each change is audited, and nobody can be left unable to do an act."""

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from tests.controlled.test_log import count, infusion_session, receive, witness

pytestmark = pytest.mark.anyio


async def test_the_clinic_sets_who_may_witness_and_the_server_follows(app, staff, site):
    vials = await receive(staff, site)
    table = {r["act"]: r["roles"] for r in (await staff.nurse.get("/api/controlled/roles")).json()}
    assert table["witness"] == ["admin", "nurse", "physician"]
    # Only admins set it.
    line = [{"act": "witness", "roles": ["nurse", "physician"]}]
    assert (await staff.nurse.put("/api/controlled/roles", json=line)).status_code == 403
    answer = await staff.admin.put("/api/controlled/roles", json=line)
    assert answer.status_code == 200, answer.text
    assert {r["act"]: r["roles"] for r in answer.json()}["witness"] == ["nurse", "physician"]

    offered = (await staff.nurse.get(f"/api/controlled/sites/{site}/witnesses")).json()
    assert [w["username"] for w in offered] == ["physician"]
    counted = {v["id"]: 10.0 for v in vials}
    refused = await count(staff.nurse, site, counted, witness("admin"))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "A admin may not witness controlled-substance entries."
    assert (await count(staff.nurse, site, counted, witness("physician"))).status_code == 201

    async with app.state.database.session() as db:
        audited = (
            await db.execute(
                select(AuditEvent.username, AuditEvent.target_id, AuditEvent.details).where(
                    AuditEvent.action == "controlled.roles"
                )
            )
        ).all()
    change = {"before": ["admin", "nurse", "physician"], "after": ["nurse", "physician"]}
    assert audited == [("admin", "witness", change)]


async def test_an_act_given_to_another_role_is_theirs_at_once(staff, site):
    vials = await receive(staff, site)
    sid = await infusion_session(staff.nurse)
    draw = {"container_id": vials[0]["id"], "session_id": sid, "amount_ml": 1}
    assert (await staff.admin.post("/api/controlled/draws", json=draw)).status_code == 403
    line = [{"act": "draw", "roles": ["nurse", "physician", "admin"]}]
    assert (await staff.admin.put("/api/controlled/roles", json=line)).status_code == 200
    assert "draw" in (await staff.admin.get("/api/controlled/acts")).json()
    assert (await staff.admin.post("/api/controlled/draws", json=draw)).status_code == 201
    # And taken away again.
    line = [{"act": "draw", "roles": ["physician"]}]
    assert (await staff.admin.put("/api/controlled/roles", json=line)).status_code == 200
    refused = await staff.nurse.post("/api/controlled/draws", json=draw)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Your role (nurse) may not draw controlled substances."


async def test_nobody_can_be_left_unable_to_resolve(staff):
    empty = await staff.admin.put("/api/controlled/roles", json=[{"act": "resolve", "roles": []}])
    assert empty.status_code == 422
    assert "Someone must be allowed to resolve" in empty.text
