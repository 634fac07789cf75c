"""Two-step sign-in: TOTP optional per user, required for admins when the clinic says so;
recovery codes; enrolment and removal audited."""

import time
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.anyio


async def enrol(client: httpx.AsyncClient) -> tuple[pyotp.TOTP, list[str]]:
    started = await client.post("/api/auth/mfa/enrol")
    assert started.status_code == 200, started.text
    body = started.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/Vigil:")
    totp = pyotp.TOTP(body["secret"])
    wrong = await client.post("/api/auth/mfa/confirm", json={"code": "000000"})
    assert wrong.status_code == 422
    done = await client.post("/api/auth/mfa/confirm", json={"code": totp.now()})
    assert done.status_code == 200, done.text
    codes = done.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return totp, codes


def previous_code(totp: pyotp.TOTP) -> str:
    """A code the server accepts (one step of drift) that the enrolment did not use."""
    return totp.at(time.time() - 30)


async def actions(app: Any) -> list[str]:
    async with app.state.database.session() as db:
        return list((await db.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all())


async def token(anon: httpx.AsyncClient, username: str, **extra: str) -> httpx.Response:
    return await anon.post(
        "/api/auth/token", data={"username": username, "password": PASSWORD, **extra}
    )


async def test_totp_enrolment_then_sign_in_needs_the_code(staff, anon, app):
    _totp, codes = await enrol(staff.nurse)
    assert "auth.mfa.enrol" in await actions(app)
    missing = await token(anon, "nurse")
    assert missing.status_code == 401
    assert missing.headers["X-Vigil-MFA"] == "required"
    assert "6-digit code" in missing.json()["detail"]
    assert (await token(anon, "nurse", otp="123456")).status_code == 401
    status = await staff.nurse.get("/api/auth/mfa")
    assert status.json() == {"enabled": True, "recovery_codes_left": 10}
    recovered = await token(anon, "nurse", otp=codes[0])
    assert recovered.status_code == 200, recovered.text
    again = await token(anon, "nurse", otp=codes[0])
    assert again.status_code == 401  # a recovery code signs in once
    assert "auth.mfa.recovery_code_used" in await actions(app)
    json_login = await anon.post(
        "/api/auth/login", json={"username": "nurse", "password": PASSWORD, "otp": codes[1]}
    )
    assert json_login.status_code == 200


async def test_a_totp_code_signs_in_once(staff, anon, app):
    secret = (await staff.physician.post("/api/auth/mfa/enrol")).json()["secret"]
    totp = pyotp.TOTP(secret)
    # Confirm with the previous step's code, so the current one is still unused.
    assert (
        await staff.physician.post("/api/auth/mfa/confirm", json={"code": previous_code(totp)})
    ).status_code == 200
    first = await token(anon, "physician", otp=totp.now())
    assert first.status_code == 200, first.text
    replay = await token(anon, "physician", otp=totp.now())
    assert replay.status_code == 401


async def test_removal_needs_a_code_and_an_admin_can_reset_a_lost_phone(staff, anon, app):
    _totp, codes = await enrol(staff.nurse)
    refused = await staff.nurse.post("/api/auth/mfa/remove", json={"code": "999999"})
    assert refused.status_code == 422
    assert (
        await staff.nurse.post("/api/auth/mfa/remove", json={"code": codes[0]})
    ).status_code == 204
    assert (await token(anon, "nurse")).status_code == 200
    await enrol(staff.physician)
    assert (await staff.nurse.delete(f"/api/users/{staff.ids['physician']}/mfa")).status_code == 403
    reset = await staff.admin.delete(f"/api/users/{staff.ids['physician']}/mfa")
    assert reset.status_code == 204
    assert (await token(anon, "physician")).status_code == 200
    assert (await actions(app)).count("auth.mfa.remove") == 2


async def test_admins_must_enrol_when_the_clinic_requires_it(staff, app):
    app.state.settings.mfa_required_for_admins = True
    refused = await staff.admin.get("/api/users")
    assert refused.status_code == 403
    assert "two-step sign-in" in refused.json()["detail"]
    await enrol(staff.admin)
    app.state.logins.forget_user(staff.ids["admin"])
    assert (await staff.admin.get("/api/users")).status_code == 200
    # Other roles are not held to it.
    assert (await staff.nurse.get("/api/sessions")).status_code == 200
