"""The infusion record of a session: the order, its second check, and the pump log."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.events import record_event
from app.infusion import calc
from app.infusion.models import InfusionEvent, InfusionOrder
from app.infusion.schemas import (
    CalculatorIn,
    CalculatorOut,
    EventIn,
    EventOut,
    InfusionRecord,
    InfusionTile,
    OrderIn,
    OrderOut,
    VerifyIn,
)
from app.sessions.models import InfusionSession
from app.sessions.phases import ACTIVE
from app.sessions.service import clinical_time, session_read


def calculate(data: CalculatorIn) -> CalculatorOut:
    dose = calc.planned_dose_mg(data.weight_kg, data.dose_mg_per_kg)
    return CalculatorOut(
        planned_dose_mg=dose,
        rate_ml_per_h=calc.ml_per_h(
            data.rate_mg_per_kg_h, weight_kg=data.weight_kg, mg_per_ml=data.concentration_mg_per_ml
        ),
        planned_minutes=calc.minutes_to_deliver(dose, data.rate_mg_per_kg_h, data.weight_kg),
    )


def _order_out(order: InfusionOrder, weight_kg: float) -> OrderOut:
    minutes = calc.minutes_to_deliver(order.planned_dose_mg, order.rate_mg_per_kg_h, weight_kg)
    return OrderOut.model_validate(
        {
            **{c: getattr(order, c) for c in OrderOut.model_fields if c != "planned_minutes"},
            "planned_minutes": minutes,
        }
    )


def _entries(events: list[InfusionEvent]) -> list[calc.LogEntry]:
    return [
        calc.LogEntry(e.kind, e.at, e.rate_mg_per_kg_h, e.bolus_mg)  # type: ignore[arg-type]
        for e in events
    ]


async def _log(db: AsyncSession, s: InfusionSession) -> list[InfusionEvent]:
    rows = await db.scalars(
        select(InfusionEvent)
        .where(InfusionEvent.session_id == s.id)
        .order_by(InfusionEvent.at, InfusionEvent.recorded_at)
    )
    return list(rows.all())


def _tile(s: InfusionSession, order: InfusionOrder, state: calc.PumpState) -> InfusionTile:
    return InfusionTile(
        status=state.status,
        verified=order.verified_at is not None,
        planned_dose_mg=order.planned_dose_mg,
        rate_mg_per_kg_h=state.rate_mg_per_kg_h or order.rate_mg_per_kg_h,
        rate_mg_per_h=state.rate_mg_per_h,
        rate_ml_per_h=calc.ml_per_h(
            state.rate_mg_per_kg_h or order.rate_mg_per_kg_h,
            weight_kg=s.weight_kg,
            mg_per_ml=order.concentration_mg_per_ml,
        ),
        delivered_mg=round(state.delivered_mg, 2),
        running_seconds=state.running_seconds,
        started_at=state.started_at,
        stopped_at=state.stopped_at,
        as_of=state.as_of,
    )


async def _publish(
    db: AsyncSession,
    *,
    s: InfusionSession,
    tile: InfusionTile,
    data: dict[str, object],
    settings: Settings,
) -> None:
    """The session row carries the tile, so every tile (lists, live, readings) shows it."""
    s.infusion = tile.model_dump(mode="json")
    view = await session_read(db, s, settings)
    await record_event(
        db,
        type="infusion.changed",
        session_id=s.id,
        data={**data, "session": view.model_dump(mode="json")},
    )


def _ensure_iv(s: InfusionSession) -> None:
    if s.phase not in ACTIVE:
        raise Conflict(f"The session is {s.phase}; it can no longer be changed.")
    if s.dose_mg_per_kg is None:
        raise Conflict("This session's protocol has a fixed dose; it has no infusion record.")


async def save_order(
    db: AsyncSession, *, s: InfusionSession, data: OrderIn, by: User, settings: Settings
) -> OrderOut:
    """The order, before the pump starts; saving it again replaces it and needs a new check."""
    _ensure_iv(s)
    assert s.dose_mg_per_kg is not None
    if data.expiry < utcnow().date():
        raise Invalid(
            "expiry", f"Lot {data.lot} expired on {data.expiry.isoformat()}; use another."
        )
    if await db.scalar(select(InfusionEvent.id).where(InfusionEvent.session_id == s.id).limit(1)):
        raise Conflict("The infusion has started; record a rate change instead.")
    order = await db.get(InfusionOrder, s.id)
    if order is None:
        order = InfusionOrder(session_id=s.id)
        db.add(order)
    order.drug = data.drug or s.drug
    order.concentration_mg_per_ml = data.concentration_mg_per_ml
    order.lot, order.expiry = data.lot, data.expiry
    order.dose_mg_per_kg = s.dose_mg_per_kg
    order.planned_dose_mg = s.dose_mg
    order.rate_mg_per_kg_h = data.rate_mg_per_kg_h
    order.rate_ml_per_h = calc.ml_per_h(
        data.rate_mg_per_kg_h, weight_kg=s.weight_kg, mg_per_ml=data.concentration_mg_per_ml
    )
    order.prepared_by, order.prepared_at = by.id, utcnow()
    order.verified_by = order.verified_at = order.verified_ml_per_h = None
    await db.flush()
    out = _order_out(order, s.weight_kg)
    return await _order_changed(
        db,
        s=s,
        order=out,
        tile=_tile(s, order, calc.PumpState()),
        action="infusion.order",
        details=out.model_dump(mode="json"),
        by=by,
        settings=settings,
    )


async def verify_order(
    db: AsyncSession, *, s: InfusionSession, data: VerifyIn, by: User, settings: Settings
) -> OrderOut:
    _ensure_iv(s)
    order = await db.get(InfusionOrder, s.id)
    if order is None:
        raise Conflict("There is no infusion order to check yet.")
    if order.verified_at is not None:
        raise Conflict("The order has already been checked.")
    if order.prepared_by == by.id:
        raise Forbidden("The second check must be made by someone other than who prepared it.")
    problem = calc.verification_problem(
        computed_ml_per_h=order.rate_ml_per_h, checked_ml_per_h=data.rate_ml_per_h
    )
    if problem:
        await record_audit(
            db,
            action="infusion.verify",
            user=by,
            target_type="session",
            target_id=s.id,
            outcome="failure",
            details={"checked_ml_per_h": data.rate_ml_per_h},
        )
        await db.commit()
        raise Conflict(problem[0].upper() + problem[1:] + ".")
    order.verified_by, order.verified_at = by.id, utcnow()
    order.verified_ml_per_h = data.rate_ml_per_h
    return await _order_changed(
        db,
        s=s,
        order=_order_out(order, s.weight_kg),
        tile=_tile(s, order, calc.PumpState()),
        action="infusion.verify",
        details={"checked_ml_per_h": data.rate_ml_per_h},
        by=by,
        settings=settings,
    )


async def _order_changed(
    db: AsyncSession,
    *,
    s: InfusionSession,
    order: OrderOut,
    tile: InfusionTile,
    action: str,
    details: dict[str, Any],
    by: User,
    settings: Settings,
) -> OrderOut:
    """An order written or checked: audited, streamed with the session's tile, committed."""
    await record_audit(
        db, action=action, user=by, target_type="session", target_id=s.id, details=details
    )
    await _publish(
        db, s=s, tile=tile, data={"order": order.model_dump(mode="json")}, settings=settings
    )
    await db.commit()
    return order


async def add_event(
    db: AsyncSession, *, s: InfusionSession, data: EventIn, by: User, settings: Settings
) -> EventOut:
    _ensure_iv(s)
    order = await db.get(InfusionOrder, s.id)
    if order is None or order.verified_at is None:
        raise Conflict("The infusion order needs its second check before the pump starts.")
    if data.kind == "start" and s.phase != "infusion":
        raise Conflict("Start the infusion phase first (the checklist and baseline gate it).")
    now = utcnow()
    entry = calc.LogEntry(
        data.kind, clinical_time(s, data.at, now), data.rate_mg_per_kg_h, data.bolus_mg
    )
    log = await _log(db, s)
    state = calc.fold(_entries(log), weight_kg=s.weight_kg)
    problem = calc.entry_problem(state, entry)
    if problem:
        raise Conflict(problem[0].upper() + problem[1:] + ".")
    event = InfusionEvent(
        session_id=s.id,
        kind=data.kind,
        at=entry.at,
        recorded_at=now,
        by=by.id,
        rate_mg_per_kg_h=data.rate_mg_per_kg_h,
        rate_ml_per_h=calc.ml_per_h(
            data.rate_mg_per_kg_h, weight_kg=s.weight_kg, mg_per_ml=order.concentration_mg_per_ml
        )
        if data.rate_mg_per_kg_h
        else None,
        bolus_mg=data.bolus_mg,
        note=(data.note or "").strip() or None,
    )
    db.add(event)
    await db.flush()
    out = EventOut.model_validate(event)
    state = calc.apply(state, entry, weight_kg=s.weight_kg)
    await record_audit(
        db,
        action=f"infusion.{data.kind}",
        user=by,
        target_type="session",
        target_id=s.id,
        details=out.model_dump(mode="json"),
    )
    await _publish(
        db,
        s=s,
        tile=_tile(s, order, state),
        data={"infusion_event": out.model_dump(mode="json")},
        settings=settings,
    )
    await db.commit()
    return out


async def infusion_record(db: AsyncSession, *, s: InfusionSession) -> InfusionRecord:
    order = await db.get(InfusionOrder, s.id)
    log = await _log(db, s)
    state = calc.fold(_entries(log), weight_kg=s.weight_kg)
    now = utcnow()
    delivered = state.delivered_at(now)
    actual = None
    if state.started_at is not None and state.stopped_at is not None:
        actual = round((state.stopped_at - state.started_at).total_seconds() / 60, 1)
    planned = order.planned_dose_mg if order else s.dose_mg
    return InfusionRecord(
        order=_order_out(order, s.weight_kg) if order else None,
        events=[EventOut.model_validate(e) for e in log],
        status=state.status,
        delivered_mg=round(delivered, 1),
        bolus_mg=state.bolus_mg,
        remaining_mg=round(max(planned - delivered, 0), 1),
        infusing_minutes=round(state.running_seconds_at(now) / 60, 1),
        actual_minutes=actual,
    )
