"""Two-step sign-in: TOTP optional per user, required for admins when the clinic says so;
recovery codes; enrolment and removal audited."""

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from alembic import command
from sqlalchemy import select, text, update

from app.audit.keys import rotate_keys
from app.audit.models import AuditEvent
from app.auth.models import User
from app.auth.sealing import key_ring, unseal
from app.db import Database, utcnow
from app.migrate import alembic_config
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
    # Well inside a 30 s step: the previous step's code must still be one step old when the
    # server checks it.
    if (left := totp.interval - time.time() % totp.interval) < 3:
        await asyncio.sleep(left + 0.1)
    # Confirm with the previous step's code, so the current one is still unused.
    assert (
        await staff.physician.post("/api/auth/mfa/confirm", json={"code": previous_code(totp)})
    ).status_code == 200
    code = totp.now()
    first = await token(anon, "physician", otp=code)
    assert first.status_code == 200, first.text
    # The same code again, even once the next step has begun (it is then still within drift).
    replay = await token(anon, "physician", otp=code)
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


async def stored_secret(app: Any, username: str) -> str | None:
    async with app.state.database.session() as db:
        found: str | None = await db.scalar(
            select(User.totp_secret).where(User.username == username)
        )
        return found


async def test_totp_secrets_are_sealed_at_rest(staff, anon, app):
    secret = (await staff.physician.post("/api/auth/mfa/enrol")).json()["secret"]
    stored = await stored_secret(app, "physician")
    assert stored is not None and stored.startswith("k1:")
    assert secret not in stored and secret.lower() not in stored.lower()
    totp = pyotp.TOTP(secret)
    confirmed = await staff.physician.post(
        "/api/auth/mfa/confirm", json={"code": previous_code(totp)}
    )
    assert confirmed.status_code == 200
    assert (await token(anon, "physician", otp=totp.now())).status_code == 200
    # The user's id seals it too: copied onto another account, it opens for nobody.
    async with app.state.database.session() as db:
        await db.execute(
            update(User)
            .where(User.username == "nurse")
            .values(totp_secret=stored, totp_enabled_at=utcnow())
        )
        await db.commit()
    copied = await token(anon, "nurse", otp=totp.at(time.time() + 30))
    assert copied.status_code == 401
    assert "code is not right" in copied.json()["detail"]


async def test_a_rotated_key_still_opens_the_secrets_sealed_before(staff, anon, app, settings):
    secret = (await staff.physician.post("/api/auth/mfa/enrol")).json()["secret"]
    totp = pyotp.TOTP(secret)
    await staff.physician.post("/api/auth/mfa/confirm", json={"code": previous_code(totp)})
    assert rotate_keys(settings.mfa_key_file) == "k2"
    key_ring(settings.mfa_key_file, fresh=True)  # as a restart would
    assert (await token(anon, "physician", otp=totp.now())).status_code == 200
    await staff.nurse.post("/api/auth/mfa/enrol")
    assert (await stored_secret(app, "nurse") or "").startswith("k2:")


def test_the_migration_seals_secrets_stored_in_clear(database_url: str, tmp_path: Path) -> None:
    config = alembic_config(database_url)
    config.attributes["mfa_key_file"] = tmp_path / "mfa-keys.json"
    command.downgrade(config, "c41e7a9b2d35-1")  # to the revision before sealing
    user_id, secret = uuid.uuid4(), pyotp.random_base32()

    async def write() -> None:
        database = Database(database_url)
        async with database.session() as db:
            await db.execute(
                text(
                    "INSERT INTO app_user (id, username, display_name, role, password_hash, "
                    "active, created_at, totp_secret) VALUES (:id, 'old', 'Old', 'nurse', 'x', "
                    "true, :at, :secret)"
                ),
                {
                    "id": user_id.hex if "sqlite" in database_url else user_id,
                    "at": utcnow(),
                    "secret": secret,
                },
            )
            await db.commit()
        await database.dispose()

    async def read() -> str | None:
        database = Database(database_url)
        async with database.read_session() as db:
            found: str | None = await db.scalar(select(User.totp_secret).where(User.id == user_id))
        await database.dispose()
        return found

    asyncio.run(write())
    command.upgrade(config, "head")
    sealed = asyncio.run(read())
    assert sealed is not None and secret not in sealed
    assert unseal(sealed, user_id, tmp_path / "mfa-keys.json") == secret


async def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(staff, anon, app):
    _totp, codes = await enrol(staff.nurse)
    refused = await staff.nurse.post("/api/auth/mfa/recovery-codes", json={"code": "999999"})
    assert refused.status_code == 422
    assert "does not match" in refused.text
    fresh = await staff.nurse.post("/api/auth/mfa/recovery-codes", json={"code": codes[0]})
    assert fresh.status_code == 200, fresh.text
    new = fresh.json()["recovery_codes"]
    assert len(set(new)) == 10 and not set(new) & set(codes)
    assert (await token(anon, "nurse", otp=codes[1])).status_code == 401
    assert (await token(anon, "nurse", otp=new[0])).status_code == 200
    assert "auth.mfa.recovery_codes" in await actions(app)
