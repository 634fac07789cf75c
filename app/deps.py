"""Request dependencies as Annotated aliases: the database, the caller and their role."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from app.audit.access import AccessLog
from app.auth.logins import Logins
from app.auth.models import User
from app.auth.service import token_digest
from app.config import Settings
from app.context import user_id_var
from app.db import Database
from app.errors import Forbidden, Unauthorized
from app.sessions.models import InfusionSession
from app.sessions.service import get_session

COOKIE_NAME = "vigil_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def get_database(conn: HTTPConnection) -> Database:
    database: Database = conn.app.state.database
    return database


async def get_db(conn: HTTPConnection) -> AsyncIterator[AsyncSession]:
    async with get_database(conn).session() as db:
        yield db


Db = Annotated[AsyncSession, Depends(get_db)]


def settings_of(conn: HTTPConnection) -> Settings:
    settings: Settings = conn.app.state.settings
    return settings


# async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request.
async def app_settings(conn: HTTPConnection) -> Settings:
    return settings_of(conn)


AppSettings = Annotated[Settings, Depends(app_settings)]


def origin_allowed(conn: HTTPConnection, settings: Settings) -> bool:
    """The Origin header names this server (or a configured origin): defeats CSRF and CSWSH."""
    origin = conn.headers.get("origin")
    if not origin:
        return False
    if origin in settings.allowed_origins:
        return True
    parts = urlsplit(origin)
    # Same scheme as this request (behind a trusted proxy, the one the browser used), so
    # `ftp://host` or an `http://` page posting to the HTTPS app is refused.
    own_scheme = {"ws": "http", "wss": "https"}.get(conn.url.scheme, conn.url.scheme)
    return parts.scheme == own_scheme and parts.netloc == conn.headers.get("host")


def credentials(conn: HTTPConnection, bearer: str | None) -> tuple[str | None, bool]:
    """The token the caller presented, and whether it came from the cookie."""
    if bearer:
        return bearer, False
    cookie = conn.cookies.get(COOKIE_NAME)
    return cookie, cookie is not None


Bearer = Annotated[str | None, Depends(oauth2_scheme)]


def presented_token(request: Request, bearer: str | None) -> str:
    token, from_cookie = credentials(request, bearer)
    if token is None:
        raise Unauthorized("Please sign in.", headers={"WWW-Authenticate": "Bearer"})
    if (
        from_cookie
        and request.method not in SAFE_METHODS
        and not origin_allowed(request, settings_of(request))
    ):
        raise Forbidden("This request did not come from the Vigil app (Origin check failed).")
    return token


async def current_token(request: Request, bearer: Bearer) -> str:
    return presented_token(request, bearer)


Token = Annotated[str, Depends(current_token)]


def get_logins(conn: HTTPConnection) -> Logins:
    logins: Logins = conn.app.state.logins
    return logins


async def get_access(conn: HTTPConnection) -> AccessLog:
    access: AccessLog = conn.app.state.access
    return access


Access = Annotated[AccessLog, Depends(get_access)]


# One dependency, not a chain of them: each level of FastAPI's dependency graph is solved anew
# on every request, and every request goes through this one.
async def current_user(request: Request, bearer: Bearer) -> User:
    token = presented_token(request, bearer)
    user = await get_logins(request).user(token_digest(token, settings_of(request)))
    if user is None:
        raise Unauthorized(
            "Your session has ended. Please sign in again.", headers={"WWW-Authenticate": "Bearer"}
        )
    user_id_var.set(user.id)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


MFA_FIRST = (
    "This clinic requires two-step sign-in for admins: turn it on for your account first "
    "(POST /api/auth/mfa/enrol, then /confirm)."
)


def require_mfa(request: Request, user: User) -> None:
    """An admin acts only with two-step sign-in on, where the clinic requires it."""
    if (
        user.role == "admin"
        and user.totp_enabled_at is None
        and settings_of(request).mfa_required_for_admins
    ):
        raise Forbidden(MFA_FIRST)


def require_role(*roles: str) -> object:
    async def check(request: Request, user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden(f"Your role ({user.role}) may not do this.")
        require_mfa(request, user)
        return user

    return Depends(check)


async def valid_session(session_id: uuid.UUID, db: Db, user: CurrentUser) -> InfusionSession:
    """The session named in the path, if it is at a site the user belongs to (roles are checked
    before it)."""
    return await get_session(db, session_id, user=user)


ValidSession = Annotated[InfusionSession, Depends(valid_session)]

Clinician = Annotated[User, require_role("nurse", "physician")]
Physician = Annotated[User, require_role("physician")]
Admin = Annotated[User, require_role("admin")]
Exporter = Annotated[User, require_role("physician", "admin")]
