"""The append-only, hash-chained audit log (DESIGN §6)."""

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.auth.models import User
from app.context import client_addr_var
from app.db import utcnow
from app.events import take_journal_lock

GENESIS = "0" * 64
_LAST_HASH = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
# Append-only rows: a Core insert, without the unit of work's per-object bookkeeping.
_INSERT = insert(AuditEvent.__table__)  # type: ignore[arg-type]
_COLUMNS = tuple(c.name for c in AuditEvent.__table__.c if c.name != "id")


def row_hash(row: AuditEvent) -> str:
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
    return hashlib.sha256((row.prev_hash + canonical).encode()).hexdigest()


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
        username=user.username if user else username,
        client_addr=client_addr or client_addr_var.get(),
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        outcome=outcome,
        details=details or {},
    )


async def append_audit(db: AsyncSession, rows: Sequence[AuditEvent]) -> None:
    """Chain rows onto the log, in order, in the caller's transaction: they land if, and only
    if, the change does. The journal lock keeps the chain from forking."""
    await take_journal_lock(db)
    prev = await db.scalar(_LAST_HASH) or GENESIS
    for row in rows:
        row.prev_hash = prev
        row.hash = prev = row_hash(row)
    await db.execute(_INSERT, [{c: getattr(row, c) for c in _COLUMNS} for row in rows])


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


async def verify_chain(db: AsyncSession, *, batch: int = 1000) -> ChainCheck:
    prev, checked, last_id = GENESIS, 0, 0
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
            return ChainCheck(True, checked, None, f"All {checked} audit entries are intact.")
        for row in rows:
            if row.prev_hash != prev:
                return ChainCheck(
                    False,
                    checked,
                    row.id,
                    f"Audit entry {row.id} does not follow the entry before it: "
                    "an entry was removed or reordered.",
                )
            if row_hash(row) != row.hash:
                return ChainCheck(
                    False,
                    checked,
                    row.id,
                    f"Audit entry {row.id} was altered after it was written.",
                )
            prev, last_id, checked = row.hash, row.id, checked + 1


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
