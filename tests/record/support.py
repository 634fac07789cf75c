"""Moving a session back in time, for scenarios that span hours of a clinic day."""

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.sessions.models import InfusionSession, PhaseChange
from app.vitals.models import Reading

SESSION_TIMES = (
    "created_at",
    "phase_started_at",
    "infusion_started_at",
    "infusion_ended_at",
    "recovery_started_at",
)


async def minutes_pass(app: Any, session_id: str, minutes: float) -> None:
    """Everything recorded so far in the session happened `minutes` earlier: as if the clinic's
    clock had run on that long since."""
    delta = timedelta(minutes=minutes)
    sid = uuid.UUID(session_id)
    async with app.state.database.session() as db:
        s = await db.get(InfusionSession, sid)
        assert s is not None
        for name in SESSION_TIMES:
            if getattr(s, name) is not None:
                setattr(s, name, getattr(s, name) - delta)
        for change in await db.scalars(select(PhaseChange).where(PhaseChange.session_id == sid)):
            change.at -= delta
        for reading in await db.scalars(select(Reading).where(Reading.session_id == sid)):
            reading.taken_at -= delta
            reading.recorded_at -= delta
        await db.commit()
