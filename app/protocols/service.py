"""Protocols a clinic keeps: list, read, add and edit (admin, audited)."""

from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.protocols.models import Protocol
from app.protocols.rules import ProtocolRules
from app.protocols.schemas import ProtocolIn, ProtocolOut


async def list_protocols(db: AsyncSession) -> list[ProtocolOut]:
    rows = await db.scalars(select(Protocol).order_by(Protocol.code))
    return [ProtocolOut.model_validate(p) for p in rows.all()]


async def protocol_by_code(db: AsyncSession, code: str) -> Protocol | None:
    return await db.scalar(select(Protocol).where(Protocol.code == code))


async def rules_for_new_session(db: AsyncSession, code: str) -> tuple[Protocol, ProtocolRules]:
    protocol = await protocol_by_code(db, code)
    if protocol is None or not protocol.active:
        raise Invalid("protocol", f"No active protocol {code!r}; ask an admin which to use.")
    return protocol, ProtocolRules.model_validate(protocol.rules)


def _taken(protocol: Protocol) -> Conflict:
    return Conflict(
        f"There is a protocol {protocol.code} already ({protocol.name}): open it to change it, "
        "or choose another code."
    )


async def _changed_meanwhile(db: AsyncSession, code: str) -> Conflict:
    row = (
        await db.execute(
            select(Protocol.name, Protocol.updated_at, User.display_name)
            .outerjoin(User, User.id == Protocol.updated_by)
            .where(Protocol.code == code)
        )
    ).one()
    return Conflict(
        f"{row.name} was changed at {row.updated_at:%Y-%m-%d %H:%M} UTC by "
        f"{row.display_name or 'someone'} after you opened it. Open it again to see that "
        "change, then make yours."
    )


async def save_protocol(db: AsyncSession, *, code: str, data: ProtocolIn, by: User) -> ProtocolOut:
    """Add a protocol (`based_on` left out) or change one (`based_on`: its `updated_at` as the
    admin opened it). Neither overwrites what another admin saved: a taken code or a change
    made meanwhile is a 409 in words. Sessions already created keep the rules they started with.
    """
    protocol = await protocol_by_code(db, code)
    rules = data.rules.model_dump(mode="json")
    now = utcnow()
    values = {"name": data.name, "rules": rules, "active": data.active}
    if protocol is None:
        if data.based_on is not None:
            raise NotFound(f"There is no protocol {code} to change: add it as a new one.")
        before = None
        protocol = Protocol(code=code, updated_at=now, updated_by=by.id, **values)
        db.add(protocol)
        try:
            await db.flush()
        except IntegrityError as exc:  # another admin added the same code a moment ago
            await db.rollback()
            taken = await protocol_by_code(db, code)
            if taken is None:
                raise
            raise _taken(taken) from exc
    else:
        if data.based_on is None:
            raise _taken(protocol)
        before = {"name": protocol.name, "rules": protocol.rules}
        # Compare and set in one statement: of two admins saving from the same version, one
        # wins and the other hears of it.
        changed = await db.execute(
            update(Protocol)
            .where(Protocol.id == protocol.id, Protocol.updated_at == data.based_on)
            .values(updated_at=now, updated_by=by.id, **values)
        )
        if cast(CursorResult[Any], changed).rowcount != 1:
            raise await _changed_meanwhile(db, code)
        await db.refresh(protocol)
    await record_audit(
        db,
        action="protocol.create" if before is None else "protocol.update",
        user=by,
        target_type="protocol",
        target_id=code,
        details={
            "reason": data.reason,
            "before": before,
            "after": {"name": data.name, "rules": rules},
        },
    )
    await db.commit()
    return ProtocolOut.model_validate(protocol)


async def get_protocol(db: AsyncSession, code: str) -> ProtocolOut:
    protocol = await protocol_by_code(db, code)
    if protocol is None:
        raise NotFound("No protocol with that code.")
    return ProtocolOut.model_validate(protocol)
