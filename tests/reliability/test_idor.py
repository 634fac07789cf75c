"""Every id in a URL is checked against the object it must belong to, for each role; logins end
when they should. (Role-per-route and the basic login/logout cases are in tests/api.)"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import func, select

from app.vitals.models import Reading
from tests import factories
from tests.api.test_access import MATRIX
from tests.conftest import PASSWORD

pytestmark = pytest.mark.anyio


async def two_sessions(staff):
    """Session A with a normal and a high reading (so an open alert), session B of another
    patient with one reading."""
    a = await factories.ready_session(staff.nurse)
    high = await factories.put_reading(staff.nurse, a["id"], systolic=190, diastolic=95)
    assert high.status_code == 201
    b = await factories.ready_session(staff.nurse)
    readings_a = (await staff.nurse.get(f"/api/sessions/{a['id']}/readings")).json()
    readings_b = (await staff.nurse.get(f"/api/sessions/{b['id']}/readings")).json()
    return a, b, readings_a, readings_b, high.json()["alerts"][0]


def may(role: str, method: str, template: str) -> bool:
    return role in MATRIX[(method, template)]


@pytest.mark.parametrize("role", ["nurse", "physician", "admin"])
async def test_ids_from_another_session_are_not_found(staff, app, role):
    a, b, readings_a, readings_b, alert = await two_sessions(staff)
    client = getattr(staff, role)
    rid_a = readings_a[0]["id"]
    tpl = "/api/sessions/{session_id}/readings/{reading_id}"
    # Correcting session A's reading through session B's URL: 404, and nothing was written.
    if may(role, "POST", tpl + "/amend"):
        answer = await client.post(
            f"/api/sessions/{b['id']}/readings/{rid_a}/amend",
            json={"reason": "wrong chair", "heart_rate": 80},
        )
        assert answer.status_code == 404, answer.text
        answer = await client.post(
            f"/api/sessions/{b['id']}/readings/{rid_a}/entered-in-error",
            json={"reason": "wrong chair"},
        )
        assert answer.status_code == 404, answer.text
        # A reading id of session A PUT under session B is refused, never moved or copied.
        answer = await client.put(
            f"/api/sessions/{b['id']}/readings/{rid_a}", json=factories.vitals()
        )
        assert answer.status_code == 409, answer.text
        # An alert id is not a reading id, nor the other way round.
        answer = await client.post(
            f"/api/sessions/{a['id']}/readings/{alert['id']}/amend",
            json={"reason": "not a reading", "heart_rate": 80},
        )
        assert answer.status_code == 404, answer.text
        assert (await client.post(f"/api/alerts/{rid_a}/acknowledge", json={})).status_code == 404
        assert (
            await client.post(f"/api/alerts/{uuid.uuid4()}/acknowledge", json={"note": "x"})
        ).status_code == 404
    else:
        answer = await client.post(
            f"/api/sessions/{b['id']}/readings/{rid_a}/amend",
            json={"reason": "wrong chair", "heart_rate": 80},
        )
        assert answer.status_code == 403
        assert (await client.post(f"/api/alerts/{alert['id']}/acknowledge")).status_code == 403
    # Ids of one kind of object are never accepted as another kind.
    for path in (
        f"/api/sessions/{a['patient']['id']}",
        f"/api/sessions/{rid_a}/readings",
        f"/api/sessions/{alert['id']}/timeline",
        f"/api/patients/{a['id']}",
        f"/api/patients/{rid_a}/alert-rules",
    ):
        answer = await client.get(path)
        assert answer.status_code == 404, (path, answer.status_code)
    if may(role, "PATCH", "/api/users/{user_id}"):
        answer = await client.patch(f"/api/users/{a['patient']['id']}", json={"active": False})
        assert answer.status_code == 404
    if may(role, "GET", "/api/exports/sessions/{session_id}.csv"):
        for suffix in ("csv", "json", "fhir.json", "pdf"):
            answer = await client.get(f"/api/exports/sessions/{a['patient']['id']}.{suffix}")
            assert answer.status_code == 404, (suffix, answer.status_code)
    # Session B is untouched: still its one reading; session A's reading is still final.
    assert (await client.get(f"/api/sessions/{b['id']}/readings")).json() == readings_b
    after_a = (await client.get(f"/api/sessions/{a['id']}/readings")).json()
    assert [r["status"] for r in after_a] == ["final", "final"]
    async with app.state.database.session() as db:
        assert await db.scalar(select(func.count()).select_from(Reading)) == 3


async def test_alert_acknowledged_once_names_its_session(staff):
    a, b, _, _, alert = await two_sessions(staff)
    answer = await staff.nurse.post(f"/api/alerts/{alert['id']}/acknowledge", json={"note": "seen"})
    assert answer.status_code == 200 and answer.json()["session_id"] == a["id"]
    # Listing by session B does not show session A's alert.
    listed = (await staff.physician.get("/api/alerts", params={"session_id": b["id"]})).json()
    assert alert["id"] not in {x["id"] for x in listed}


async def cookie_login(app, username: str) -> tuple[httpx.AsyncClient, str]:
    """A browser-like client signed in with the session cookie; the caller closes it."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50002))
    client = httpx.AsyncClient(
        transport=transport, base_url="http://vigil.test", headers={"Origin": "http://vigil.test"}
    )
    answer = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200
    return client, answer.cookies["vigil_session"]


@asynccontextmanager
async def closing(*clients: httpx.AsyncClient) -> AsyncIterator[None]:
    try:
        yield
    finally:
        for client in clients:
            await client.aclose()


async def test_logout_invalidates_the_cookie_on_the_server(app, staff, anon):
    client, cookie = await cookie_login(app, "nurse")
    async with closing(client):
        assert (await client.post("/api/auth/logout")).status_code == 204
    # Replaying the old cookie value (a copy kept by an attacker) no longer works.
    replay = await anon.get("/api/auth/me", headers={"Cookie": f"vigil_session={cookie}"})
    assert replay.status_code == 401
    # Nor does presenting it as a bearer token.
    bearer = await anon.get("/api/auth/me", headers={"Authorization": f"Bearer {cookie}"})
    assert bearer.status_code == 401


async def test_logout_ends_only_that_login(app, staff):
    first, _ = await cookie_login(app, "physician")
    second, _ = await cookie_login(app, "physician")
    async with closing(first, second):
        assert (await first.post("/api/auth/logout")).status_code == 204
        assert (await first.get("/api/auth/me")).status_code == 401
        assert (await second.get("/api/auth/me")).status_code == 200
        # An ended login cannot log out again or act.
        assert (await first.post("/api/auth/logout")).status_code == 401


async def test_each_login_gets_a_new_token(app, staff):
    one, cookie_one = await cookie_login(app, "nurse")
    two, cookie_two = await cookie_login(app, "nurse")
    async with closing(one, two):
        assert cookie_one != cookie_two
        # Logging in while already logged in replaces the cookie rather than reusing it.
        again = await one.post("/api/auth/login", json={"username": "nurse", "password": PASSWORD})
        assert again.cookies["vigil_session"] not in {cookie_one, cookie_two}


@pytest.mark.parametrize(
    "change",
    [{"password": "a-brand-new-password"}, {"role": "physician"}],
    ids=["password", "role"],
)
async def test_password_or_role_change_ends_open_logins(app, staff, anon, change):
    cookie_client, _ = await cookie_login(app, "nurse")
    async with closing(cookie_client):
        assert (await staff.nurse.get("/api/auth/me")).status_code == 200
        answer = await staff.admin.patch(f"/api/users/{staff.ids['nurse']}", json=change)
        assert answer.status_code == 200, answer.text
        assert (await staff.nurse.get("/api/auth/me")).status_code == 401
        assert (await cookie_client.get("/api/auth/me")).status_code == 401
    # A new login works (with the new password where it changed).
    password = change.get("password", PASSWORD)
    answer = await anon.post("/api/auth/token", data={"username": "nurse", "password": password})
    assert answer.status_code == 200
    # The admin's own login was not touched.
    assert (await staff.admin.get("/api/auth/me")).status_code == 200
