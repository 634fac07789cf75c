"""Choosing the session baseline by hand (DESIGN §2): before the infusion a nurse may mark
another pre-infusion reading as the baseline, with a reason; the start gate then uses it."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.config import Settings
from app.errors import Conflict, Invalid, NotFound, VigilError
from app.events import record_event
from app.sessions.models import InfusionSession
from app.sessions.service import session_read
from app.vitals import read
from app.vitals.codes import VITALS, implausible, missing_vitals
from app.vitals.models import Reading
from app.vitals.schemas import BaselineChoice, ReadingOut


def baseline_refusal(
    *,
    session_phase: str,
    reading_phase: str,
    status: str,
    missing: list[str],
    unconfirmed: list[str],
) -> VigilError | None:
    """Why this reading may not become the baseline now; None when it may."""
    if session_phase != "pre_infusion":
        return Conflict("The baseline can only be changed before the infusion starts.")
    if reading_phase != "pre_infusion":
        return Conflict("Only a reading taken before the infusion can be the baseline.")
    if status != "final":
        return Conflict("This reading was corrected or entered in error; choose a current one.")
    if missing:
        # The start gate compares against the baseline's blood pressure and pulse: a monitor's
        # SpO2 alone cannot be it.
        labels = ", ".join(VITALS[f].label for f in missing)
        return Conflict(f"This reading has no {labels}: the baseline must be a complete set.")
    if unconfirmed:
        labels = ", ".join(VITALS[f].label for f in unconfirmed)
        return Invalid(
            "confirm_value",
            f"{labels} of this reading is implausible for a conscious patient; "
            "confirm the value to use it as the baseline.",
        )
    return None


async def choose_baseline(
    db: AsyncSession,
    *,
    session: InfusionSession,
    reading_id: uuid.UUID,
    data: BaselineChoice,
    by: User,
    settings: Settings,
) -> ReadingOut:
    reading = await db.get(Reading, reading_id)
    if reading is None or reading.session_id != session.id:
        raise NotFound("No reading with that id in this session.")
    out = (await read.describe(db, [reading], baseline_id=reading.id))[0]
    refusal = baseline_refusal(
        session_phase=session.phase,
        reading_phase=reading.phase,
        status=out.status,
        missing=missing_vitals(vars(reading), "manual"),
        unconfirmed=[] if data.confirm_value else implausible(vars(reading)),
    )
    if refusal is not None:
        raise refusal
    previous = session.baseline_reading_id
    session.baseline_reading_id = reading.id
    view = await session_read(db, session, settings)
    await record_event(
        db,
        type="session.baseline",
        session_id=session.id,
        data={"reading": out.model_dump(mode="json"), "session": view.model_dump(mode="json")},
    )
    await record_audit(
        db,
        action="reading.baseline",
        user=by,
        target_type="reading",
        target_id=reading.id,
        details={
            "session_id": str(session.id),
            "previous": str(previous) if previous else None,
            "reason": data.reason,
        },
    )
    await db.commit()
    return out
