"""Protocols a clinic keeps: list, read, add and edit (admin, audited)."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.db import utcnow
from app.errors import Invalid, NotFound
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


async def save_protocol(db: AsyncSession, *, code: str, data: ProtocolIn, by: User) -> ProtocolOut:
    """Create or replace a protocol. Sessions already created keep the rules they started with."""
    protocol = await protocol_by_code(db, code)
    before = None if protocol is None else {"name": protocol.name, "rules": protocol.rules}
    rules = data.rules.model_dump(mode="json")
    if protocol is None:
        protocol = Protocol(code=code, name=data.name, rules=rules, active=data.active)
        db.add(protocol)
    else:
        protocol.name, protocol.rules, protocol.active = data.name, rules, data.active
    protocol.updated_at, protocol.updated_by = utcnow(), by.id
    await db.flush()
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
