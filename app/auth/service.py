"""Users, passwords, login sessions (cookie and bearer share one revocable store), throttling."""

import hashlib
import hmac
import math
import secrets
import uuid
from datetime import datetime, timedelta
from typing import get_args

from pwdlib import PasswordHash
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.audit.service import record_audit
from app.auth import mfa
from app.auth.models import LoginSession, User
from app.auth.schemas import Role, UserCreate, UserUpdate
from app.config import Settings
from app.context import client_addr_var
from app.db import utcnow
from app.errors import Conflict, NotFound, TooManyRequests, Unauthorized
from app.events import record_event, take_journal_lock
from app.sites.members import join_only_site

_hasher = PasswordHash.recommended()
# Verified when the username is unknown, so a miss costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
BAD_LOGIN = "Incorrect username or password."
BY_USERNAME, BY_ADDRESS = "for this username", "from this address"
THROTTLED_ROW_EVERY = timedelta(minutes=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password: str, user: User | None) -> bool:
    """The password check of sign-in, for a second person confirming on someone else's login
    (a witness); an unknown user costs the same time as a wrong password."""
    valid = _hasher.verify(password, user.password_hash if user else _DUMMY_HASH)
    return valid and user is not None


def token_digest(token: str, settings: Settings) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


async def create_user(db: AsyncSession, *, data: UserCreate, by: User | None) -> User:
    if await db.scalar(select(User.id).where(User.username == data.username)):
        raise Conflict(f"The username '{data.username}' is already taken.")
    user = User(
        username=data.username,
        display_name=data.display_name,
        role=data.role,
        password_hash=hash_password(data.password),
    )
    db.add(user)
    await db.flush()
    await join_only_site(db, user_id=user.id)
    await record_audit(
        db,
        action="user.create",
        user=by,
        target_type="user",
        target_id=user.id,
        details={"username": user.username, "role": user.role},
    )
    await db.commit()
    return user


async def update_user(db: AsyncSession, *, user_id: uuid.UUID, data: UserUpdate, by: User) -> User:
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound("No user with that id.")
    changed = data.model_dump(exclude_none=True)
    if (
        user.role == "admin"
        and user.active
        and (data.active is False or data.role not in (None, "admin"))
    ):
        await _keep_an_admin(db, user)
    if "password" in changed:
        user.password_hash = hash_password(changed["password"])
        changed["password"] = "(changed)"  # noqa: S105
    for field in ("role", "active", "display_name"):
        if field in changed:
            setattr(user, field, changed[field])
    if data.active is False or data.password is not None or data.role is not None:
        # A deactivated user, a reset password or a new role ends every open login at once.
        await revoke_user_logins(db, user_id=user.id)
    await record_audit(
        db, action="user.update", user=by, target_type="user", target_id=user.id, details=changed
    )
    await db.commit()
    return user


async def _keep_an_admin(db: AsyncSession, leaving: User) -> None:
    """Nobody could manage users again (or sign in as admin to fix it) without one."""
    # Two admins demoting each other at once must not both pass the count.
    await take_journal_lock(db)
    others = await db.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.active.is_(True), User.id != leaving.id)
    )
    if not others:
        raise Conflict("This is the last active admin. Make another user an admin first.")


async def list_users(db: AsyncSession) -> list[User]:
    """The clinic's staff: system accounts (the monitor feed's) are not users an admin manages."""
    staff = select(User).where(User.role.in_(get_args(Role))).order_by(User.username)
    return list((await db.scalars(staff)).all())


async def _recent_failures(db: AsyncSession, username: str, settings: Settings) -> list[datetime]:
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    last_success = await db.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.username == username,
            AuditEvent.action == "auth.login",
            AuditEvent.outcome == "success",
        )
    )
    if last_success and last_success > since:
        since = last_success
    rows = await db.scalars(
        select(AuditEvent.at)
        .where(
            AuditEvent.username == username,
            AuditEvent.action == "auth.login",
            AuditEvent.outcome == "failure",
            AuditEvent.at > since,
        )
        .order_by(AuditEvent.at)
    )
    return list(rows.all())


async def _address_failures(
    db: AsyncSession, client_addr: str | None, settings: Settings
) -> list[datetime]:
    """Failed sign-ins from one address in the window, whichever usernames they tried: one
    guess per username slips under the per-username limit. A success does not reset it."""
    if client_addr is None:
        return []
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    rows = await db.scalars(
        select(AuditEvent.at)
        .where(
            AuditEvent.client_addr == client_addr,
            AuditEvent.action == "auth.login",
            AuditEvent.outcome == "failure",
            AuditEvent.at > since,
        )
        .order_by(AuditEvent.at.desc())
        .limit(settings.login_max_failures_per_address)
    )
    return sorted(rows.all())


async def _throttle(
    db: AsyncSession,
    username: str,
    settings: Settings,
    failures: list[datetime],
    limit: int,
    who: str,
) -> None:
    if len(failures) < limit:
        return
    window = timedelta(minutes=settings.login_window_minutes)
    retry = max(1, math.ceil((failures[0] + window - utcnow()).total_seconds()))
    # One row a minute per locked username (or address) records the hammering; a row per
    # refused attempt would let the attacker fill the log the chain cannot shed.
    same = (
        AuditEvent.client_addr == client_addr_var.get()
        if who == BY_ADDRESS
        else AuditEvent.username == username
    )
    recorded = await db.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.action == "auth.login",
            AuditEvent.outcome == "throttled",
            AuditEvent.at > utcnow() - THROTTLED_ROW_EVERY,
            same,
        )
        .limit(1)
    )
    if recorded is None:
        await record_audit(
            db,
            action="auth.login",
            user=None,
            username=username,
            outcome="throttled",
            details={"by": who},
        )
        await db.commit()
    raise TooManyRequests(
        f"Too many failed sign-ins {who}. Try again in {math.ceil(retry / 60)} min.",
        headers={"Retry-After": str(retry)},
    )


async def authenticate(
    db: AsyncSession, *, username: str, password: str, settings: Settings, otp: str | None = None
) -> User:
    await _throttle(
        db,
        username,
        settings,
        await _recent_failures(db, username, settings),
        settings.login_max_failures,
        BY_USERNAME,
    )
    await _throttle(
        db,
        username,
        settings,
        await _address_failures(db, client_addr_var.get(), settings),
        settings.login_max_failures_per_address,
        BY_ADDRESS,
    )
    user = await db.scalar(select(User).where(User.username == username))
    valid, new_hash = _hasher.verify_and_update(
        password, user.password_hash if user else _DUMMY_HASH
    )
    if user is None or not valid or not user.active:
        await record_audit(
            db,
            action="auth.login",
            user=None,
            username=username,
            outcome="failure",
            details={"reason": "inactive" if user and valid else "bad credentials"},
        )
        await db.commit()
        raise Unauthorized(BAD_LOGIN)
    if user.totp_enabled_at is not None:
        if not otp:
            # Not a failure: the password was right and no code was guessed.
            raise Unauthorized(mfa.CODE_NEEDED, headers={"X-Vigil-MFA": "required"})
        if not await mfa.second_factor_ok(db, user, otp, settings):
            await record_audit(
                db,
                action="auth.login",
                user=None,
                username=username,
                outcome="failure",
                details={"reason": "bad one-time code"},
            )
            await db.commit()
            raise Unauthorized(
                "That code is not right, or it was used already. " + mfa.CODE_NEEDED,
                headers={"X-Vigil-MFA": "required"},
            )
    if new_hash:
        user.password_hash = new_hash
    return user


async def start_login(
    db: AsyncSession, *, user: User, kind: str, settings: Settings, client_addr: str | None
) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        LoginSession(
            token_hash=token_digest(token, settings),
            user_id=user.id,
            kind=kind,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_max_hours),
            client_addr=client_addr,
        )
    )
    await record_audit(db, action="auth.login", user=user, details={"kind": kind})
    await db.commit()
    return token


async def end_login(db: AsyncSession, *, token: str, user: User, settings: Settings) -> None:
    await db.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == token_digest(token, settings))
        .values(revoked_at=utcnow())
    )
    await record_audit(db, action="auth.logout", user=user)
    await db.commit()


async def revoke_user_logins(db: AsyncSession, *, user_id: uuid.UUID) -> None:
    await db.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    # The live stream closes this user's open websockets when it sees this event.
    await record_event(db, type="auth.revoked", session_id=None, data={"user_id": str(user_id)})
