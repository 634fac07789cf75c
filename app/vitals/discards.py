"""A reading the server refused and the nurse then discarded from her tablet's outbox.

The server never stored it, but it saw it: the decision to drop it instead of fixing it is the
nurse's, with a reason, and it is audited like any other change to the record."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.errors import Conflict
from app.sessions.models import InfusionSession
from app.vitals.models import Reading
from app.vitals.schemas import OutboxDiscard


async def record_discard(
    db: AsyncSession,
    *,
    session: InfusionSession,
    reading_id: uuid.UUID,
    data: OutboxDiscard,
    by: User,
) -> None:
    if await db.get(Reading, reading_id) is not None:
        raise Conflict(
            "This reading is stored; correct it (amend) or mark it entered in error instead."
        )
    await record_audit(
        db,
        action="reading.discard",
        user=by,
        target_type="reading",
        target_id=reading_id,
        details={
            "session_id": str(session.id),
            "reason": data.reason,
            "refused_with": data.refused_with,
            "refusal": data.refusal,
        },
    )
    await db.commit()
