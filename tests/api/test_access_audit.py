"""Reads of a patient's record are audited, once per user, record and window (finding 5)."""

from typing import Any

import pytest
from sqlalchemy import select

from app.audit.access import ACTION, LIST_ACTION, records_read
from app.audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.anyio


async def reads(app: Any) -> list[tuple[str | None, str | None, str | None]]:
    async with app.state.database.session() as db:
        rows = await db.execute(
            select(AuditEvent.username, AuditEvent.target_type, AuditEvent.target_id)
            .where(AuditEvent.action == ACTION)
            .order_by(AuditEvent.id)
        )
        return [tuple(r) for r in rows.all()]


async def test_finding_reads_of_a_patients_record_are_audited_once_per_window(staff, app):
    s = await factories.session(staff.nurse)
    assert (await factories.put_reading(staff.nurse, s["id"])).status_code in (200, 201)
    sid = s["id"]
    for _ in range(3):
        for url in (
            f"/api/sessions/{sid}",
            f"/api/sessions/{sid}/readings",
            f"/api/sessions/{sid}/timeline",
            f"/api/alerts?session_id={sid}",
        ):
            assert (await staff.physician.get(url)).status_code == 200, url
    assert await reads(app) == [("physician", "session", sid)]
    await staff.nurse.get(f"/api/sessions/{sid}/readings")
    await staff.nurse.get(f"/api/patients/{s['patient']['id']}")
    assert await reads(app) == [
        ("physician", "session", sid),
        ("nurse", "session", sid),
        ("nurse", "patient", s["patient"]["id"]),
    ]
    # A read that shows nothing records nothing.
    unknown = "0b1c7c1e-3f0a-4c47-9d7e-0f4f0d6c7c10"
    assert (await staff.nurse.get(f"/api/sessions/{unknown}")).status_code == 404
    assert len(await reads(app)) == 3


async def test_a_new_window_audits_the_read_again(staff, app):
    s = await factories.session(staff.nurse)
    app.state.access._window = 0
    for _ in range(2):
        await staff.physician.get(f"/api/sessions/{s['id']}")
    assert len(await reads(app)) == 2


async def lists(app: Any) -> list[tuple[str | None, str, str, list[str]]]:
    async with app.state.database.session() as db:
        rows = await db.execute(
            select(AuditEvent.username, AuditEvent.details)
            .where(AuditEvent.action == LIST_ACTION)
            .order_by(AuditEvent.id)
        )
        return [(u, d["view"], d["query"], d["shown"]) for u, d in rows.all()]


async def test_the_session_list_is_audited_once_per_user_view_and_window(staff, app):
    s = await factories.session(staff.nurse)
    for _ in range(3):
        assert (await staff.physician.get("/api/sessions?active=true")).status_code == 200
    assert await lists(app) == [("physician", "session list", "active=true", [s["id"]])]
    # Other filters are another view of the list; another user is another entry.
    await staff.physician.get("/api/sessions")
    await staff.nurse.get("/api/sessions?active=true")
    assert [(u, q) for u, _v, q, _s in await lists(app)] == [
        ("physician", "active=true"),
        ("physician", ""),
        ("nurse", "active=true"),
    ]
    app.state.access._window = 0
    await staff.physician.get("/api/sessions?active=true")
    assert len(await lists(app)) == 4


async def test_patient_search_is_audited_once_per_user_term_and_window(staff, app):
    found = await factories.patient(staff.nurse, full_name="Quinn Searchable")
    for term in ("searchable", "Searchable ", "nobody-by-this-name"):
        assert (await staff.nurse.get("/api/patients", params={"q": term})).status_code == 200
    assert await lists(app) == [
        ("nurse", "patient search", "q=searchable", [found["id"]]),
        ("nurse", "patient search", "q=nobody-by-this-name", []),
    ]


def test_which_routes_read_a_record():
    sid = "2b1c7c1e-3f0a-4c47-9d7e-0f4f0d6c7c11"
    assert records_read("/api/sessions/{session_id}/timeline", {"session_id": sid}, {}) == [
        ("session", sid)
    ]
    assert records_read("/api/alerts", {}, {"session_id": sid}) == [("session", sid)]
    assert records_read("/api/alerts", {}, {"session_id": "junk"}) == []
    assert records_read("/api/exports/sessions/{session_id}.pdf", {"session_id": sid}, {}) == []
    assert records_read("/api/sessions", {}, {}) == []
