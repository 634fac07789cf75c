"""The append-only audit log (DESIGN §6): HMAC-chained, its head anchored outside the database."""

import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.audit.anchor import HEAD, Anchor, read_anchors
from app.audit.keys import AuditKeys, load_keys
from app.audit.models import AuditEvent
from app.auth.models import User
from app.config import Settings
from app.context import client_addr_var
from app.db import utcnow
from app.events import lock_journal

GENESIS = "0" * 64
_LAST_HASH = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
# Append-only rows: a Core insert, without the unit of work's per-object bookkeeping.
_INSERT = insert(AuditEvent.__table__).returning(  # type: ignore[arg-type]
    AuditEvent.__table__.c.id, sort_by_parameter_order=True
)
_COLUMNS = tuple(c.name for c in AuditEvent.__table__.c if c.name != "id")
# Text columns are cut to their length: a username typed at the sign-in form is the
# attacker's, and SQLite would store a megabyte of it.
_LIMITS: dict[str, int] = {
    c.name: getattr(c.type, "length", None) or 0
    for c in AuditEvent.__table__.c
    if c.name in ("username", "client_addr", "target_id")
}

_keys: AuditKeys | None = None


def use_keys(keys: AuditKeys) -> None:
    """The keys this process signs with (the app's start-up sets them from its settings)."""
    global _keys
    _keys = keys


def signing_keys() -> AuditKeys:
    global _keys
    if _keys is None:
        # A command (`vigil create-user`, `vigil export`) that did not start the app.
        from app.config import get_settings

        _keys = load_keys(get_settings().audit_key_file)
    return _keys


def row_hash(row: AuditEvent, keys: AuditKeys) -> str:
    content = {
        "at": row.at.isoformat(),
        "user_id": str(row.user_id) if row.user_id else None,
        "username": row.username,
        "client_addr": row.client_addr,
        "action": row.action,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "outcome": row.outcome,
        "details": row.details,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    message = (row.prev_hash + canonical).encode()
    if row.key_id is None:
        return hashlib.sha256(message).hexdigest()
    key = keys.keys.get(row.key_id)
    if key is None:
        raise KeyError(row.key_id)
    return hmac.new(key, row.key_id.encode() + b"\n" + message, hashlib.sha256).hexdigest()


def _clip(value: str | None, column: str) -> str | None:
    return value[: _LIMITS[column]] if value is not None else None


def audit_entry(
    *,
    action: str,
    user: User | None,
    target_type: str | None = None,
    target_id: uuid.UUID | str | None = None,
    outcome: str = "success",
    details: dict[str, Any] | None = None,
    username: str | None = None,
    client_addr: str | None = None,
) -> AuditEvent:
    """An audit row not yet chained: `append_audit` links and adds it."""
    return AuditEvent(
        at=utcnow(),
        user_id=user.id if user else None,
        username=_clip(user.username if user else username, "username"),
        client_addr=_clip(client_addr or client_addr_var.get(), "client_addr"),
        action=action,
        target_type=target_type,
        target_id=_clip(str(target_id) if target_id is not None else None, "target_id"),
        outcome=outcome,
        details=details or {},
    )


def chain_audit(session: Session, rows: Sequence[AuditEvent]) -> None:
    """Chain rows onto the log, in order, in the caller's transaction: they land if, and only
    if, the change does, and the commit anchors the new head (audit/anchor.py). The journal
    lock keeps the chain from forking."""
    if not rows:
        return
    keys = signing_keys()
    lock_journal(session)
    prev = session.scalar(_LAST_HASH) or GENESIS
    for row in rows:
        row.prev_hash = prev
        row.key_id = keys.current
        row.hash = prev = row_hash(row, keys)
    values = [{c: getattr(row, c) for c in _COLUMNS} for row in rows]
    ids = session.execute(_INSERT, values).scalars().all()
    session.info[HEAD] = (ids[-1], prev)


async def append_audit(db: AsyncSession, rows: Sequence[AuditEvent]) -> None:
    await db.run_sync(chain_audit, rows)


async def record_audit(
    db: AsyncSession,
    *,
    action: str,
    user: User | None,
    target_type: str | None = None,
    target_id: uuid.UUID | str | None = None,
    outcome: str = "success",
    details: dict[str, Any] | None = None,
    username: str | None = None,
) -> AuditEvent:
    row = audit_entry(
        action=action,
        user=user,
        target_type=target_type,
        target_id=target_id,
        outcome=outcome,
        details=details,
        username=username,
    )
    await append_audit(db, [row])
    return row


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    first_bad_id: int | None
    message: str
    anchored_id: int | None = None
    anchored_at: datetime | None = None


def _broken(checked: int, row_id: int, message: str) -> ChainCheck:
    return ChainCheck(False, checked, row_id, message)


async def verify_chain(
    db: AsyncSession,
    *,
    keys: AuditKeys | None = None,
    anchors: Sequence[Anchor] = (),
    batch: int = 1000,
) -> ChainCheck:
    """Walks the chain (each row follows the one before and carries its own HMAC), then holds
    it against the anchors: every anchored entry must still be there with the anchored hash."""
    keys = keys or signing_keys()
    anchored: dict[int, Anchor] = {}
    for anchor in anchors:
        anchored.setdefault(anchor.id, anchor)
        if anchored[anchor.id].hash != anchor.hash:
            return _broken(0, anchor.id, f"The anchor file holds two hashes for entry {anchor.id}.")
    prev, checked, last_id, keyed = GENESIS, 0, 0, False
    while True:
        rows = (
            await db.scalars(
                select(AuditEvent)
                .where(AuditEvent.id > last_id)
                .order_by(AuditEvent.id)
                .limit(batch)
            )
        ).all()
        if not rows:
            break
        for row in rows:
            if row.prev_hash != prev:
                return _broken(
                    checked,
                    row.id,
                    f"Audit entry {row.id} does not follow the entry before it: "
                    "an entry was removed or reordered.",
                )
            if row.key_id is None and keyed:
                return _broken(
                    checked, row.id, f"Audit entry {row.id} is unsigned after signed entries."
                )
            keyed = keyed or row.key_id is not None
            try:
                valid = hmac.compare_digest(row_hash(row, keys), row.hash)
            except KeyError:
                return _broken(
                    checked,
                    row.id,
                    f"Audit entry {row.id} was signed with key '{row.key_id}', "
                    "which is not in the key file.",
                )
            if not valid:
                return _broken(
                    checked, row.id, f"Audit entry {row.id} was altered after it was written."
                )
            held = anchored.pop(row.id) if row.id in anchored else None
            if held is not None and held.hash != row.hash:
                return _broken(
                    checked,
                    row.id,
                    f"Audit entry {row.id} is not the entry anchored at {held.at:%Y-%m-%d %H:%M} "
                    "UTC: the log was rewritten from there on.",
                )
            prev, last_id, checked = row.hash, row.id, checked + 1
    if anchored:
        missing = min(anchored.values(), key=lambda a: a.id)
        newest = max(anchored.values(), key=lambda a: a.id)
        return _broken(
            checked,
            missing.id,
            f"Audit entries are missing: entry {missing.id}, anchored at "
            f"{missing.at:%Y-%m-%d %H:%M} UTC, is gone (the newest anchored entry is "
            f"{newest.id}; the log now ends at {last_id}).",
        )
    if not anchors:
        return ChainCheck(
            True,
            checked,
            None,
            f"All {checked} audit entries are intact. No anchor was found, so a cut at the "
            "end cannot be ruled out.",
        )
    newest = max(anchors, key=lambda a: a.id)
    return ChainCheck(
        True,
        checked,
        None,
        f"All {checked} audit entries are intact and hold every anchor "
        f"(the newest: entry {newest.id}, {newest.at:%Y-%m-%d %H:%M} UTC).",
        newest.id,
        newest.at,
    )


async def verify_log(db: AsyncSession, settings: Settings) -> ChainCheck:
    """The chain against the key file and anchor file as they are now (a key rotated since
    this process started counts)."""
    keys = await anyio.to_thread.run_sync(load_keys, settings.audit_key_file)
    anchors = await anyio.to_thread.run_sync(read_anchors, settings.anchor_path)
    return await verify_chain(db, keys=keys, anchors=anchors)


async def list_audit(
    db: AsyncSession,
    *,
    start: datetime | None,
    end: datetime | None,
    username: str | None,
    action: str | None,
    limit: int,
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if start:
        query = query.where(AuditEvent.at >= start)
    if end:
        query = query.where(AuditEvent.at < end)
    if username:
        query = query.where(AuditEvent.username == username)
    if action:
        query = query.where(AuditEvent.action == action)
    return list((await db.scalars(query)).all())
