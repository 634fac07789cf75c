"""Who holds a token: the login check of every request and websocket.

Checked on a read session, so that signing a request in never queues on SQLite's write lock;
only a login whose last activity is older than the touch interval is then touched (a write).
"""

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.auth.models import LoginSession, User
from app.config import Settings
from app.db import Database, utcnow

# Refreshing last_seen_at on every request would make every read a write.
TOUCH_EVERY = timedelta(seconds=15)
_CACHE_LIMIT = 10_000


def live(login: LoginSession, user: User, now: datetime, settings: Settings) -> bool:
    idle = timedelta(minutes=settings.idle_timeout_minutes)
    return (
        login.revoked_at is None
        and login.expires_at > now
        and now - login.last_seen_at <= idle
        and user.active
    )


async def check_login(
    database: Database, digest: str, settings: Settings, *, touch: bool
) -> tuple[User, datetime, datetime] | None:
    """The user of a live login with its last activity and expiry, or None. `touch=False`
    checks without counting as activity: the live stream's periodic re-check must not hold off
    the idle timeout."""
    async with database.read_session() as db:
        row = (
            await db.execute(
                select(LoginSession, User)
                .join(User, User.id == LoginSession.user_id)
                .where(LoginSession.token_hash == digest)
            )
        ).first()
    now = utcnow()
    if row is None or not live(row[0], row[1], now, settings):
        return None
    login, user = row
    last_seen = login.last_seen_at
    if touch and now - last_seen > TOUCH_EVERY:
        async with database.session() as db:
            await db.execute(
                update(LoginSession)
                .where(LoginSession.token_hash == digest, LoginSession.revoked_at.is_(None))
                .values(last_seen_at=now)
            )
            await db.commit()
        last_seen = now
    return user, last_seen, login.expires_at


@dataclass(frozen=True, slots=True)
class _Checked:
    user: User
    last_seen_at: datetime
    expires_at: datetime
    at: float


class Logins:
    """Logins this process checked in the last `settings.login_cache_seconds`: a tablet's burst
    of requests costs one lookup. Websockets check afresh (`check_login`)."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self._database, self._settings = database, settings
        self._checked: dict[str, _Checked] = {}

    async def user(self, digest: str) -> User | None:
        now, clock, ttl = utcnow(), time.monotonic(), self._settings.login_cache_seconds
        hit = self._checked.get(digest)
        if (
            hit is not None
            and clock - hit.at < ttl
            and hit.expires_at > now
            and now - hit.last_seen_at <= TOUCH_EVERY
        ):
            return hit.user
        found = await check_login(self._database, digest, self._settings, touch=True)
        if found is None:
            self._checked.pop(digest, None)
            return None
        if len(self._checked) >= _CACHE_LIMIT:
            self._checked = {d: c for d, c in self._checked.items() if clock - c.at < ttl}
        self._checked[digest] = _Checked(*found, at=clock)
        return found[0]

    def forget(self, digest: str) -> None:
        self._checked.pop(digest, None)

    def forget_user(self, user_id: uuid.UUID) -> None:
        self._checked = {d: c for d, c in self._checked.items() if c.user.id != user_id}
