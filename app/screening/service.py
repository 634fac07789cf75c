"""The screening form of a session, its verdict, and a physician's override of a hard stop."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.events import record_event
from app.screening.models import Screening
from app.screening.rules import CAUTIONS, HARD_STOPS, INTERACTING_MEDICINES, screen
from app.screening.schemas import OverrideIn, ScreeningIn, ScreeningOut
from app.sessions.models import InfusionSession
from app.sessions.phases import ACTIVE, rules_of


def ensure_open(s: InfusionSession) -> None:
    if s.phase not in ACTIVE:
        raise Conflict(f"The session is {s.phase}; it can no longer be changed.")


def screening_out(row: Screening) -> ScreeningOut:
    clear = not row.hard_stops or row.override_at is not None
    return ScreeningOut.model_validate(
        {**{k: getattr(row, k) for k in ScreeningOut.model_fields if k != "clear"}, "clear": clear}
    )


async def latest_screening(db: AsyncSession, session_id: uuid.UUID) -> Screening | None:
    return await db.scalar(
        select(Screening)
        .where(Screening.session_id == session_id)
        .order_by(Screening.at.desc())
        .limit(1)
    )


async def record_screening(
    db: AsyncSession, *, s: InfusionSession, data: ScreeningIn, by: User
) -> ScreeningOut:
    ensure_open(s)
    if s.phase != "pre_infusion":
        raise Conflict("Screening is done before the infusion starts.")
    known = set(HARD_STOPS) | set(CAUTIONS)
    unknown = sorted(set(data.answers) - known)
    if unknown:
        raise Invalid("answers", "Unknown screening questions: " + ", ".join(unknown) + ".")
    missing = [code for code in HARD_STOPS if code not in data.answers]
    if missing:
        raise Invalid("answers", "Answer every contraindication: " + ", ".join(missing) + ".")
    odd = sorted(set(data.medicines) - set(INTERACTING_MEDICINES))
    if odd:
        raise Invalid("medicines", "Unknown medicine groups: " + ", ".join(odd) + ".")
    now = utcnow()
    if data.last_food_at is not None and data.last_food_at > now:
        raise Invalid("last_food_at", "The last meal cannot be in the future.")
    fasting = (now - data.last_food_at).total_seconds() / 3600 if data.last_food_at else None
    verdict = screen(
        answers=data.answers,
        medicines=data.medicines,
        route=rules_of(s).route,
        fasting_hours=fasting,
    )
    row = Screening(
        session_id=s.id,
        **data.model_dump(),
        hard_stops=verdict.hard_stops,
        cautions=verdict.cautions,
        at=now,
        by=by.id,
    )
    db.add(row)
    await db.flush()
    out = screening_out(row)
    await record_audit(
        db,
        action="screening.record",
        user=by,
        target_type="session",
        target_id=s.id,
        details={"hard_stops": verdict.hard_stops, "cautions": verdict.cautions},
    )
    await record_event(
        db,
        type="screening.recorded",
        session_id=s.id,
        data={"screening": out.model_dump(mode="json")},
    )
    await db.commit()
    return out


async def override_screening(
    db: AsyncSession, *, s: InfusionSession, data: OverrideIn, by: User
) -> ScreeningOut:
    """Only a physician (the router's role check), with a reason, audited as an override."""
    ensure_open(s)
    row = await latest_screening(db, s.id)
    if row is None:
        raise NotFound("No screening has been recorded for this session.")
    if not row.hard_stops:
        raise Conflict("This screening has no hard stop to override.")
    if row.override_at is not None:
        raise Conflict("The hard stops of this screening are already overridden.")
    row.override_reason, row.override_at, row.override_by = data.reason.strip(), utcnow(), by.id
    out = screening_out(row)
    await record_audit(
        db,
        action="session.override",
        user=by,
        target_type="session",
        target_id=s.id,
        details={
            "screening": str(row.id),
            "overridden": row.hard_stops,
            "reason": out.override_reason,
        },
    )
    await record_event(
        db,
        type="screening.overridden",
        session_id=s.id,
        data={"screening": out.model_dump(mode="json")},
    )
    await db.commit()
    return out


async def screening_gate(
    db: AsyncSession, s: InfusionSession, *, required: bool
) -> tuple[str | None, str | None]:
    """What in the screening stops the infusion from starting: (blocked, overridable). A hard
    stop is overridden on the screening itself; a missing form, which the clinic's setting
    `required` (VIGIL_SCREENING_REQUIRED) asks for, by a physician at the start, with a reason."""
    row = await latest_screening(db, s.id)
    if row is None:
        return None, "no screening form has been recorded" if required else None
    if row.hard_stops and row.override_at is None:
        stops = "; ".join(row.hard_stops)
        return f"screening hard stop: {stops} (a physician may override it on the screening)", None
    return None, None
