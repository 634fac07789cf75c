"""The Schedule III ketamine log, through the HTTP API, on SQLite and PostgreSQL."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.controlled.models import LogEntry
from tests import factories
from tests.conftest import PASSWORD, bearer_client, create_user

pytestmark = pytest.mark.anyio

RECEIPT = {
    "ndc": "0409-2051-05",
    "concentration_mg_per_ml": 50,
    "volume_ml": 10,
    "lot": "KX2291",
    "expiry": (date.today() + timedelta(days=400)).isoformat(),
    "supplier": "Cardinal Health",
    "invoice": "INV-55120",
    "quantity": 10,
}
ORDER = {
    "concentration_mg_per_ml": 1,
    "lot": "KX2291",
    "expiry": (date.today() + timedelta(days=200)).isoformat(),
    "rate_mg_per_kg_h": 0.75,
}


def witness(username: str, password: str = PASSWORD) -> dict[str, str]:
    return {"username": username, "password": password}


async def receive(staff: Any, site: str) -> list[dict[str, Any]]:
    answer = await staff.admin.post(
        "/api/controlled/receipts",
        json=RECEIPT | {"site_id": site, "witness": witness("physician")},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def infusion_session(client: httpx.AsyncClient) -> str:
    s = await factories.session(client, weight_kg=80)
    order = await client.put(f"/api/sessions/{s['id']}/infusion/order", json=ORDER)
    assert order.status_code == 200, order.text
    return str(s["id"])


async def draw(
    client: httpx.AsyncClient, container: str, session: str, **amount: float
) -> dict[str, Any]:
    answer = await client.post(
        "/api/controlled/draws", json={"container_id": container, "session_id": session, **amount}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def waste(
    client: httpx.AsyncClient, draw_id: int, who: dict[str, str], **amount: float
) -> httpx.Response:
    return await client.post(
        f"/api/controlled/draws/{draw_id}/waste", json={"witness": who, **amount}
    )


async def balances(client: httpx.AsyncClient, site: str) -> dict[str, float]:
    answer = await client.get(f"/api/controlled/sites/{site}/containers")
    assert answer.status_code == 200, answer.text
    return {c["label"]: c["balance_ml"] for c in answer.json()}


async def count(
    client: httpx.AsyncClient, site: str, counted: dict[str, float], who: dict[str, str]
) -> httpx.Response:
    return await client.post(
        "/api/controlled/counts",
        json={
            "site_id": site,
            "period": "end",
            "counts": [{"container_id": c, "counted_ml": v} for c, v in counted.items()],
            "witness": who,
        },
    )


async def test_a_clinic_day_receive_draw_waste_and_count(staff, site):
    vials = await receive(staff, site)
    assert len(vials) == 10
    assert {(v["balance_ml"], v["balance_mg"]) for v in vials} == {(10, 500)}
    first, second = vials[0]["id"], vials[1]["id"]

    # Three sessions: 2 mL drawn and 0.4 mL wasted; 100 mg drawn and 20 mg wasted; 3 mL and 1 mL.
    plan = [
        (first, {"amount_ml": 2}, {"amount_ml": 0.4}),
        (first, {"amount_mg": 100}, {"amount_mg": 20}),
        (second, {"amount_ml": 3}, {"amount_ml": 1}),
    ]
    for container, drawn, wasted in plan:
        sid = await infusion_session(staff.nurse)
        d = await draw(staff.nurse, container, sid, **drawn)
        assert d["session_id"] == sid and d["by"] == str(staff.ids["nurse"])
        w = await waste(staff.nurse, d["id"], witness("physician"), **wasted)
        assert w.status_code == 201, w.text
        assert w.json()["witness_id"] == str(staff.ids["physician"])
        assert w.json()["change_ml"] == 0  # the waste is of the draw, already out of the vial

    held = await balances(staff.nurse, site)
    assert held[vials[0]["label"]] == 6 and held[vials[1]["label"]] == 7
    counted = {v["id"]: (6 if v["id"] == first else 7 if v["id"] == second else 10) for v in vials}
    answer = await count(staff.nurse, site, counted, witness("physician"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["discrepancies"] == []
    assert len(answer.json()["entries"]) == 10
    assert (await staff.admin.get(f"/api/controlled/sites/{site}/discrepancies")).json() == []

    log = (await staff.nurse.get(f"/api/controlled/containers/{first}/log")).json()
    assert [(e["kind"], e["balance_ml"]) for e in log] == [
        ("receive", 10), ("draw", 8), ("waste", 8), ("draw", 6), ("waste", 6), ("count", 6)
    ]  # fmt: skip
    assert log[3]["amount_ml"] == 2 and log[4]["amount_mg"] == 20

    # Every entry is in the audit log too.
    async with staff.nurse._transport.app.state.database.session() as db:  # type: ignore[attr-defined]
        audited = (
            await db.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("controlled.%"))
            )
        ).all()
    assert audited.count("controlled.receive") == 10 and audited.count("controlled.waste") == 3
    assert audited.count("controlled.count") == 10


async def test_a_count_one_ml_short_opens_a_discrepancy_until_resolved(app, staff, site):
    vials = await receive(staff, site)
    counted = {v["id"]: 10.0 for v in vials} | {vials[3]["id"]: 9.0}
    answer = await count(staff.nurse, site, counted, witness("physician"))
    assert answer.status_code == 201, answer.text
    [found] = answer.json()["discrepancies"]
    assert (found["container_id"], found["difference_ml"], found["difference_mg"]) == (
        vials[3]["id"],
        -1,
        -50,
    )
    listed = (await staff.admin.get(f"/api/controlled/sites/{site}/discrepancies")).json()
    assert [d["count_entry_id"] for d in listed] == [found["count_entry_id"]]
    async with app.state.database.session() as db:
        from app.events import Event

        events = (
            await db.scalars(select(Event).where(Event.type == "controlled.discrepancy_opened"))
        ).all()
    assert [e.data["discrepancy"]["difference_ml"] for e in events] == [-1]

    url = f"/api/controlled/discrepancies/{found['count_entry_id']}/resolution"
    body = {
        "reason": "Vial found cracked in the safe; loss reported (DEA 106).",
        "accept_count": True,
    }
    assert (await staff.nurse.post(url, json=body)).status_code == 403
    resolved = await staff.admin.post(url, json=body)
    assert resolved.status_code == 201, resolved.text
    assert resolved.json()["change_ml"] == -1 and resolved.json()["balance_ml"] == 9
    assert (await staff.admin.get(f"/api/controlled/sites/{site}/discrepancies")).json() == []
    again = await staff.admin.post(url, json=body)
    assert again.status_code == 409 and "not an open discrepancy" in again.json()["detail"]


async def test_a_nurse_cannot_witness_her_own_waste_nor_of_her_own_draw(
    app, staff, password_hash, site
):
    vials = await receive(staff, site)
    sid = await infusion_session(staff.nurse)
    d = await draw(staff.nurse, vials[0]["id"], sid, amount_ml=2)
    own = await waste(staff.nurse, d["id"], witness("nurse"), amount_ml=0.5)
    assert own.status_code == 403
    assert own.json()["detail"] == "A witness must be someone other than who made the entry."
    # A colleague wasting what she drew: she still may not be the witness.
    other = await bearer_client(app, await create_user(app, "nurse2", "nurse", password_hash))
    try:
        theirs = await waste(other, d["id"], witness("nurse"), amount_ml=0.5)
        assert theirs.status_code == 403
    finally:
        await other.aclose()
    ok = await waste(staff.nurse, d["id"], witness("nurse2"), amount_ml=0.5)
    assert ok.status_code == 201, ok.text
    too_much = await waste(staff.nurse, d["id"], witness("nurse2"), amount_ml=2)
    assert (
        too_much.status_code == 409 and "1.5 mL of that draw is left" in too_much.json()["detail"]
    )


async def test_a_wrong_witness_password_is_refused_and_audited(app, staff, site):
    vials = await receive(staff, site)
    sid = await infusion_session(staff.nurse)
    d = await draw(staff.nurse, vials[0]["id"], sid, amount_ml=2)
    wrong = await waste(staff.nurse, d["id"], witness("physician", "not-the-password"), amount_ml=1)
    assert wrong.status_code == 403
    assert wrong.json()["detail"] == "The witness's username or password is incorrect."
    nobody = await waste(staff.nurse, d["id"], witness("nobody"), amount_ml=1)
    assert nobody.status_code == 403
    assert "not-the-password" not in wrong.text
    async with app.state.database.session() as db:
        refused = (
            await db.execute(
                select(AuditEvent.username, AuditEvent.outcome, AuditEvent.details)
                .where(AuditEvent.action == "controlled.witness")
                .order_by(AuditEvent.id)
            )
        ).all()
        wastes = (await db.scalars(select(LogEntry).where(LogEntry.kind == "waste"))).all()
    assert [(u, o, det["witness_username"]) for u, o, det in refused] == [
        ("nurse", "failure", "physician"), ("nurse", "failure", "nobody")
    ]  # fmt: skip
    assert all("not-the-password" not in str(det) for _, _, det in refused)
    assert wastes == []
    # The sign-in's limit applies to guessing a witness's password too.
    for _ in range(4):
        await waste(staff.nurse, d["id"], witness("physician", "guess"), amount_ml=1)
    throttled = await waste(staff.nurse, d["id"], witness("physician"), amount_ml=1)
    assert throttled.status_code == 429


async def bypass_append_only(db: AsyncSession) -> None:
    """What someone who owns the database can do: switch off the triggers that refuse changes
    (on PostgreSQL for this transaction only; SQLite's file is this test's own)."""
    if db.get_bind().dialect.name == "postgresql":
        await db.execute(text("SET LOCAL session_replication_role = replica"))
        return
    for table in ("controlled_container", "controlled_entry"):
        for verb in ("update", "delete"):
            await db.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}"))


async def test_tampering_with_a_log_row_is_detected_by_verify(app, staff, site):
    vials = await receive(staff, site)
    sid = await infusion_session(staff.nurse)
    d = await draw(staff.nurse, vials[0]["id"], sid, amount_ml=2)
    url = f"/api/controlled/sites/{site}/verify"
    assert (await staff.nurse.get(url)).status_code == 403
    intact = (await staff.admin.get(url)).json()
    assert intact["ok"] is True and intact["checked"] == 11
    async with app.state.database.session() as db:
        await bypass_append_only(db)
        await db.execute(update(LogEntry).where(LogEntry.id == d["id"]).values(amount_ml=0.2))
        await db.commit()
    broken = (await staff.admin.get(url)).json()
    assert broken == {
        "ok": False,
        "checked": 10,
        "first_bad_id": d["id"],
        "message": f"Log entry {d['id']} was altered after it was written.",
    }
    async with app.state.database.session() as db:
        await bypass_append_only(db)
        await db.execute(update(LogEntry).where(LogEntry.id == d["id"]).values(amount_ml=2))
        await db.commit()
        assert (await staff.admin.get(url)).json()["ok"] is True
        third = (await db.scalars(select(LogEntry).order_by(LogEntry.id).offset(2).limit(1))).one()
        await bypass_append_only(db)
        await db.delete(third)
        await db.commit()
    removed = (await staff.admin.get(url)).json()
    assert removed["ok"] is False and "removed or reordered" in removed["message"]


async def test_a_correction_is_a_new_entry_and_the_old_one_stays(staff, site):
    vials = await receive(staff, site)
    sid = await infusion_session(staff.nurse)
    d = await draw(staff.nurse, vials[0]["id"], sid, amount_ml=2)
    fix = await staff.nurse.post(
        f"/api/controlled/entries/{d['id']}/corrections",
        json={"amount_ml": 1.5, "reason": "Typed 2 mL; the syringe held 1.5 mL."},
    )
    assert fix.status_code == 201, fix.text
    assert (fix.json()["refers_to"], fix.json()["change_ml"], fix.json()["balance_ml"]) == (
        d["id"],
        0.5,
        8.5,
    )
    log = (await staff.nurse.get(f"/api/controlled/containers/{vials[0]['id']}/log")).json()
    assert [(e["kind"], e["amount_ml"], e["superseded"]) for e in log] == [
        ("receive", 10, False), ("draw", 2, True), ("correct", 1.5, False)
    ]  # fmt: skip
    assert (await balances(staff.nurse, site))[vials[0]["label"]] == 8.5


async def test_what_the_log_refuses(staff, site):
    vials = await receive(staff, site)
    bare = await factories.session(staff.nurse)
    no_order = await staff.nurse.post(
        "/api/controlled/draws",
        json={"container_id": vials[0]["id"], "session_id": bare["id"], "amount_ml": 1},
    )
    assert no_order.status_code == 409 and "infusion order" in no_order.json()["detail"]
    sid = await infusion_session(staff.nurse)
    body = {"container_id": vials[0]["id"], "session_id": sid}
    over = await staff.nurse.post("/api/controlled/draws", json=body | {"amount_ml": 11})
    assert over.status_code == 409 and "holds 10 mL" in over.json()["detail"]
    both = await staff.nurse.post(
        "/api/controlled/draws", json=body | {"amount_ml": 1, "amount_mg": 50}
    )
    assert both.status_code == 422 and "either in mL or in mg" in both.text
    admin_draw = await staff.admin.post("/api/controlled/draws", json=body | {"amount_ml": 1})
    assert admin_draw.status_code == 403
    partial = await count(staff.nurse, site, {vials[0]["id"]: 10}, witness("physician"))
    assert partial.status_code == 422 and "must be counted" in partial.text


async def test_reports_are_for_admins_and_audited(app, staff, tmp_path, site):
    vials = await receive(staff, site)
    sid = await infusion_session(staff.nurse)
    d = await draw(staff.nurse, vials[0]["id"], sid, amount_mg=100)
    assert (
        await waste(staff.nurse, d["id"], witness("physician"), amount_mg=30)
    ).status_code == 201
    now = datetime.now(UTC)
    rng = {
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(hours=1)).isoformat(),
    }
    base = f"/api/controlled/sites/{site}"
    assert (await staff.nurse.get(f"{base}/dispensing.csv", params=rng)).status_code == 403
    dispensing = await staff.admin.get(f"{base}/dispensing.csv", params=rng)
    assert dispensing.status_code == 200, dispensing.text
    header, row = dispensing.text.splitlines()
    assert header.startswith("draw_entry,drawn_at,container,ndc,lot,session,patient_mrn")
    assert row.endswith(",2.0,100.0,0.6,30.0,70.0,Nurse,Nurse,Physician")
    log = await staff.admin.get(f"{base}/log.csv")
    assert log.status_code == 200 and len(log.text.splitlines()) == 13
    pdf = await staff.admin.get(f"{base}/inventory.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    (tmp_path / "inventory.pdf").write_bytes(pdf.content)
    async with app.state.database.session() as db:
        reports = (
            await db.scalars(
                select(AuditEvent.details)
                .where(AuditEvent.action == "controlled.export")
                .order_by(AuditEvent.id)
            )
        ).all()
    assert [r["report"] for r in reports] == ["dispensing", "log", "inventory"]


async def test_a_site_is_logged_only_by_those_who_work_there(staff, site):
    north = await staff.admin.post("/api/sites", json={"name": "North"})
    assert north.status_code == 201, north.text
    nid = north.json()["id"]
    theirs = await staff.nurse.get(f"/api/controlled/sites/{nid}/containers")
    assert theirs.status_code == 403 and "You do not work at North" in theirs.json()["detail"]
    # Stock received at North cannot be witnessed by a physician who works elsewhere.
    answer = await staff.admin.post(
        "/api/controlled/receipts",
        json=RECEIPT | {"site_id": nid, "witness": witness("physician")},
    )
    assert answer.status_code == 403
    assert answer.json()["detail"] == "The witness does not work at this site."
    # A session at the main site does not draw from North's vials (none exist) nor vice versa.
    vials = await receive(staff, site)
    sid = await infusion_session(staff.nurse)
    assert (await draw(staff.nurse, vials[0]["id"], sid, amount_ml=1))["site_id"] == site
    missing = await staff.nurse.get(f"/api/controlled/sites/{uuid.uuid4()}/log")
    assert missing.status_code == 404


async def test_a_broken_vial_is_a_witnessed_loss_with_its_cause(staff, site):
    vials = await receive(staff, site)
    url = f"/api/controlled/containers/{vials[2]['id']}/losses"
    body = {"amount_ml": 10, "cause": "breakage", "reason": "Dropped on the floor while stocking."}
    alone = await staff.nurse.post(url, json=body | {"witness": witness("nurse")})
    assert alone.status_code == 403
    lost = await staff.nurse.post(url, json=body | {"witness": witness("physician")})
    assert lost.status_code == 201, lost.text
    assert (lost.json()["cause"], lost.json()["change_ml"], lost.json()["balance_mg"]) == (
        "breakage",
        -10,
        0,
    )
    unknown = await staff.nurse.post(
        url, json=body | {"cause": "magic", "witness": witness("physician")}
    )
    assert unknown.status_code == 422
    assert (await balances(staff.nurse, site))[vials[2]["label"]] == 0
    assert (await staff.admin.get(f"/api/controlled/sites/{site}/verify")).json()["ok"] is True


async def test_destruction_needs_two_witnesses_other_than_who_destroys(
    app, staff, site, password_hash
):
    vials = await receive(staff, site)
    await create_user(app, "nurse2", "nurse", password_hash)
    url = f"/api/controlled/containers/{vials[0]['id']}/destruction"
    method = {"method": "Expired; rendered unrecoverable in a Rx Destroyer bottle."}
    one = await staff.physician.post(url, json=method | {"witnesses": [witness("nurse")]})
    assert one.status_code == 422
    same = await staff.physician.post(
        url, json=method | {"witnesses": [witness("nurse"), witness("nurse")]}
    )
    assert same.status_code == 422 and "two different witnesses" in same.text
    self_witness = await staff.physician.post(
        url, json=method | {"witnesses": [witness("nurse"), witness("physician")]}
    )
    assert self_witness.status_code == 403
    assert (
        await staff.nurse.post(
            url, json=method | {"witnesses": [witness("admin"), witness("nurse2")]}
        )
    ).status_code == 403
    done = await staff.physician.post(
        url, json=method | {"witnesses": [witness("nurse"), witness("nurse2")]}
    )
    assert done.status_code == 201, done.text
    entry = done.json()
    assert (entry["kind"], entry["amount_ml"], entry["balance_ml"]) == ("destroy", 10, 0)
    assert {entry["witness_name"], entry["second_witness_name"]} == {"Nurse", "Nurse2"}
    again = await staff.physician.post(
        url, json=method | {"witnesses": [witness("nurse"), witness("nurse2")]}
    )
    assert again.status_code == 409 and "nothing to destroy" in again.json()["detail"]
    log = await staff.admin.get(f"/api/controlled/sites/{site}/log.csv")
    assert "destroy" in log.text and "Nurse2" in log.text
    assert (await staff.admin.get(f"/api/controlled/sites/{site}/verify")).json()["ok"] is True
