from datetime import timedelta

import anyio
import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import update

from app.audit.models import AuditEvent
from app.auth.models import LoginSession
from app.config import Settings
from app.db import utcnow
from tests.conftest import PASSWORD

pytestmark = pytest.mark.anyio

ORIGIN = {"Origin": "http://vigil.test"}


async def login(anon: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await anon.post("/api/auth/token", data={"username": username, "password": password})


async def test_token_login_me_and_logout(staff, anon):
    answer = await login(anon, "nurse")
    assert answer.status_code == 200
    token = answer.json()
    assert token["token_type"] == "bearer" and token["expires_in"] > 0
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    me = await anon.get("/api/auth/me", headers=headers)
    assert me.json()["username"] == "nurse" and "password_hash" not in me.json()
    assert (await anon.post("/api/auth/logout", headers=headers)).status_code == 204
    assert (await anon.get("/api/auth/me", headers=headers)).status_code == 401


async def test_wrong_password_and_unknown_user_look_the_same(staff, anon):
    wrong = await login(anon, "nurse", "not-the-password")
    unknown = await login(anon, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "Incorrect username or password."}


async def test_failed_logins_are_throttled_and_audited(staff, anon):
    for _ in range(5):
        assert (await login(anon, "physician", "guess-guess-guess")).status_code == 401
    locked = await login(anon, "physician")  # even the right password is refused now
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in locked.json()["detail"]
    other = await login(anon, "nurse")  # throttling is per username
    assert other.status_code == 200
    audit = (await staff.admin.get("/api/audit", params={"user": "physician"})).json()
    outcomes = [a["outcome"] for a in audit if a["action"] == "auth.login"]
    assert outcomes.count("failure") == 5 and outcomes.count("throttled") == 1


async def test_idle_timeout_ends_the_login(staff, app):
    assert (await staff.nurse.get("/api/auth/me")).status_code == 200
    async with app.state.database.session() as db:
        await db.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=16)))
        await db.commit()
    # Sixteen minutes on, this worker's trust in its last check of the login has long lapsed.
    app.state.logins.forget_user(staff.ids["nurse"])
    ended = await staff.nurse.get("/api/auth/me")
    assert ended.status_code == 401
    assert "sign in again" in ended.json()["detail"]


async def test_a_logout_by_another_worker_is_seen_within_the_login_cache_time(staff, app):
    assert (await staff.nurse.get("/api/auth/me")).status_code == 200
    # Another worker process revokes the login: this one trusts its check a moment longer.
    async with app.state.database.session() as db:
        await db.execute(update(LoginSession).values(revoked_at=utcnow()))
        await db.commit()
    assert (await staff.nurse.get("/api/auth/me")).status_code == 200
    await anyio.sleep(app.state.settings.login_cache_seconds)
    assert (await staff.nurse.get("/api/auth/me")).status_code == 401


async def test_deactivated_user_is_locked_out_at_once(staff, anon):
    nurse_id = staff.ids["nurse"]
    answer = await staff.admin.patch(f"/api/users/{nurse_id}", json={"active": False})
    assert answer.status_code == 200 and answer.json()["active"] is False
    assert (await staff.nurse.get("/api/auth/me")).status_code == 401
    assert (await login(anon, "nurse")).status_code == 401


async def test_user_management(staff):
    created = await staff.admin.post(
        "/api/users",
        json={
            "username": "dr.who",
            "display_name": "Dr Who",
            "role": "physician",
            "password": "a-long-unusual-passphrase",
        },
    )
    assert created.status_code == 201
    assert created.json()["role"] == "physician"
    dup = await staff.admin.post(
        "/api/users",
        json={
            "username": "dr.who",
            "display_name": "Dr Who",
            "role": "physician",
            "password": "a-long-unusual-passphrase",
        },
    )
    assert dup.status_code == 409
    short = await staff.admin.post(
        "/api/users",
        json={"username": "a1", "display_name": "A", "role": "nurse", "password": "short"},
    )
    assert short.status_code == 422 and short.json()["detail"][0]["loc"][-1] == "password"
    assert (await staff.nurse.get("/api/users")).status_code == 403
    users = (await staff.admin.get("/api/users")).json()
    assert {"dr.who", "nurse", "physician", "admin"} <= {u["username"] for u in users}


async def test_cookie_login_with_csrf_origin_check(staff, anon):
    answer = await anon.post("/api/auth/login", json={"username": "nurse", "password": PASSWORD})
    assert answer.status_code == 200 and answer.json()["user"]["role"] == "nurse"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert (await anon.get("/api/auth/me")).status_code == 200  # cookie sent by the client
    body = {"mrn": "CSRF-1", "full_name": "X", "date_of_birth": "1990-01-01"}
    assert (await anon.post("/api/patients", json=body)).status_code == 403
    evil = await anon.post("/api/patients", json=body, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert (await anon.post("/api/patients", json=body, headers=ORIGIN)).status_code == 201


async def test_login_issues_a_fresh_cookie(staff, anon):
    planted = "attacker-chosen-value"
    answer = await anon.post(
        "/api/auth/login",
        json={"username": "nurse", "password": PASSWORD},
        headers={"Cookie": f"vigil_session={planted}"},
    )
    issued = answer.cookies.get("vigil_session")
    assert issued and issued != planted
    # The planted value never became a login.
    assert (
        await anon.get("/api/auth/me", headers={"Cookie": f"vigil_session={planted}"})
    ).status_code == 401


async def test_audit_chain_detects_tampering(staff, app):
    await staff.nurse.post(
        "/api/patients",
        json={"mrn": "AUD-1", "full_name": "Sam Doe", "date_of_birth": "1970-01-01"},
    )
    ok = (await staff.admin.get("/api/audit/verify")).json()
    assert ok["ok"] is True and ok["checked"] >= 4
    rows = (await staff.admin.get("/api/audit", params={"action": "patient.create"})).json()
    target = rows[0]["id"]
    async with app.state.database.session() as db:
        await db.execute(
            update(AuditEvent).where(AuditEvent.id == target).values(username="someone-else")
        )
        await db.commit()
    bad = (await staff.admin.get("/api/audit/verify")).json()
    assert bad["ok"] is False and bad["first_bad_id"] == target
    assert f"Audit entry {target} was altered" in bad["message"]
    assert (await staff.nurse.get("/api/audit/verify")).status_code == 403


async def test_security_headers_everywhere(anon, staff):
    for response in (
        await anon.get("/healthz"),
        await staff.nurse.get("/api/auth/me"),
        await anon.get("/api/auth/me"),
    ):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_production_refuses_the_default_secret():
    with pytest.raises(ValidationError, match="VIGIL_SECRET_KEY"):
        Settings(env="production")
    assert Settings(env="production", secret_key="s" * 40).env == "production"


async def test_the_user_list_leaves_out_the_monitor_feeds_account(app, staff):
    """Found in the demo's admin screen: once a monitor had charted a reading, the feed's system
    account (role "device") made GET /api/users fail and the Users page showed no one."""
    from app.devices.service import DEVICE_USER, device_user

    await device_user(app.state.database)
    answer = await staff.admin.get("/api/users")
    assert answer.status_code == 200, answer.text
    names = {u["username"] for u in answer.json()}
    assert "admin" in names and DEVICE_USER not in names
