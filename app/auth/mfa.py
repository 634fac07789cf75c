"""Two-step sign-in: TOTP (pyotp) codes and one-use recovery codes; enrolment and removal."""

import hashlib
import hmac
import logging
import secrets
import time
import uuid

import pyotp
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import RecoveryCode, User
from app.auth.sealing import key_ring, seal, unseal
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound

ISSUER = "Vigil"
RECOVERY_CODES = 10
STEP_SECONDS = 30
# One step either side: a phone's clock a little off still signs in.
DRIFT_STEPS = 1
CODE_NEEDED = "Enter the 6-digit code from your authenticator app (or one of your recovery codes)."

log = logging.getLogger("vigil.auth")


def _digest(code: str, settings: Settings) -> str:
    key = settings.secret_key.get_secret_value().encode()
    normal = code.replace("-", "").replace(" ", "").lower()
    return hmac.new(key, b"recovery:" + normal.encode(), hashlib.sha256).hexdigest()


def matching_step(secret: str, code: str, *, now: float, after: int | None) -> int | None:
    """The time step whose code this is (within the drift), if later than `after`: each code
    signs in once."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(
            totp.at(step * STEP_SECONDS), code
        ):
            return step
    return None


def _secret(user: User, settings: Settings) -> str | None:
    """The user's TOTP secret, opened; None when there is none or it does not open (logged:
    the recovery codes and an admin's reset still let them in)."""
    if user.totp_secret is None:
        return None
    try:
        return unseal(user.totp_secret, user.id, settings.mfa_key_file)
    except ValueError as e:
        log.error("mfa secret unreadable", extra={"user_id": str(user.id), "error": str(e)})
        return None


async def second_factor_ok(db: AsyncSession, user: User, code: str, settings: Settings) -> bool:
    """Whether `code` is the user's current TOTP code or an unused recovery code; using one
    spends it (the caller commits)."""
    secret = _secret(user, settings)
    step = (
        None
        if secret is None
        else matching_step(secret, code, now=time.time(), after=user.totp_last_step)
    )
    if step is not None:
        # Conditional, so two requests racing with the same code cannot both pass.
        moved = await db.execute(
            update(User)
            .where(
                User.id == user.id,
                (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
        user.totp_last_step = step
        return bool(getattr(moved, "rowcount", 0))
    spent = await db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _digest(code, settings),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    if getattr(spent, "rowcount", 0):
        await record_audit(db, action="auth.mfa.recovery_code_used", user=user)
        return True
    return False


async def start_enrolment(db: AsyncSession, user: User, settings: Settings) -> tuple[str, str]:
    """A new pending secret and its otpauth:// URI (for the authenticator app's QR scan)."""
    if user.totp_enabled_at is not None:
        raise Conflict("Two-step sign-in is already on. Remove it first to enrol a new device.")
    secret = pyotp.random_base32()
    sealed = seal(secret, user.id, key_ring(settings.mfa_key_file))
    await db.execute(update(User).where(User.id == user.id).values(totp_secret=sealed))
    await db.commit()
    uri = pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=user.username, issuer_name=ISSUER
    )
    return secret, uri


async def confirm_enrolment(
    db: AsyncSession, user: User, code: str, settings: Settings
) -> list[str]:
    """Turns TOTP on once a code from the new secret checks out; returns recovery codes,
    shown this once."""
    fresh = await db.get(User, user.id)
    assert fresh is not None
    if fresh.totp_enabled_at is not None:
        raise Conflict("Two-step sign-in is already on.")
    secret = _secret(fresh, settings)
    if secret is None:
        raise Conflict("Start the enrolment first.")
    step = matching_step(secret, code, now=time.time(), after=None)
    if step is None:
        raise Invalid("code", "this code does not match; check the phone's clock and retry")
    fresh.totp_enabled_at, fresh.totp_last_step = utcnow(), step
    codes = await _replace_recovery_codes(db, user, settings)
    await record_audit(
        db, action="auth.mfa.enrol", user=fresh, target_type="user", target_id=user.id
    )
    await db.commit()
    return codes


async def _replace_recovery_codes(db: AsyncSession, user: User, settings: Settings) -> list[str]:
    """Ten fresh codes in place of the user's old ones (kept as keyed hashes only)."""
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.add_all(RecoveryCode(code_hash=_digest(c, settings), user_id=user.id) for c in codes)
    return codes


async def require_second_factor(
    db: AsyncSession, user: User, code: str, settings: Settings
) -> None:
    """For a change to two-step sign-in itself: someone at an unlocked screen has no code."""
    if user.totp_enabled_at is None or not await second_factor_ok(db, user, code, settings):
        raise Invalid("code", "this code does not match; enter the code your app shows now")


async def new_recovery_codes(
    db: AsyncSession, user: User, code: str, settings: Settings
) -> list[str]:
    """New recovery codes for a current code; the old ones stop working. Audited."""
    await require_second_factor(db, user, code, settings)
    codes = await _replace_recovery_codes(db, user, settings)
    await record_audit(
        db, action="auth.mfa.recovery_codes", user=user, target_type="user", target_id=user.id
    )
    await db.commit()
    return codes


async def remove(db: AsyncSession, *, user_id: uuid.UUID, by: User) -> None:
    """Turns two-step sign-in off for a user (their own choice, or an admin's for a lost
    phone); audited."""
    target = await db.get(User, user_id)
    if target is None:
        raise NotFound("No user with that id.")
    target.totp_secret = target.totp_enabled_at = target.totp_last_step = None
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == target.id))
    await record_audit(
        db, action="auth.mfa.remove", user=by, target_type="user", target_id=target.id
    )
    await db.commit()


async def unused_recovery_codes(db: AsyncSession, user: User) -> int:
    rows = await db.scalars(
        select(RecoveryCode.code_hash).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )
    return len(rows.all())
