"""Side effects with their outcomes, rescue medicines and the CADSS-6/sedation assessments."""

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.clinical.models import Assessment, PrnDose, SideEffect, SideEffectOutcome
from app.clinical.scales import assessment_score, scale_label
from app.clinical.schemas import (
    AssessmentIn,
    AssessmentOut,
    ClinicalRecord,
    OutcomeIn,
    OutcomeOut,
    PrnIn,
    PrnOut,
    SideEffectIn,
    SideEffectOut,
    TrendPoint,
)
from app.db import utcnow
from app.errors import Invalid, NotFound
from app.events import record_event
from app.sessions.models import InfusionSession
from app.sessions.service import clinical_time, ensure_open


def _side_effect_out(row: SideEffect, outcomes: list[SideEffectOutcome]) -> SideEffectOut:
    history = [OutcomeOut.model_validate(o) for o in sorted(outcomes, key=lambda o: o.at)]
    return SideEffectOut(
        id=row.id,
        session_id=row.session_id,
        kind=row.kind,
        severity=row.severity,
        onset_at=row.onset_at,
        intervention=row.intervention,
        note=row.note,
        outcome=history[-1].outcome if history else "ongoing",
        outcomes=history,
        by=row.by,
    )


def _assessment_out(row: Assessment) -> AssessmentOut:
    return AssessmentOut.model_validate(
        {
            **{k: getattr(row, k) for k in ("id", "session_id", "scale", "score", "items")},
            "taken_at": row.taken_at,
            "by": row.by,
            "label": scale_label(row.scale, row.score),
        }
    )


async def _written(
    db: AsyncSession, *, s: InfusionSession, by: User, kind: str, out: dict[str, Any]
) -> None:
    await record_audit(
        db, action=f"clinical.{kind}", user=by, target_type="session", target_id=s.id, details=out
    )
    await record_event(db, type=f"clinical.{kind}", session_id=s.id, data={kind: out})
    await db.commit()


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


async def add_side_effect(
    db: AsyncSession, *, s: InfusionSession, data: SideEffectIn, by: User
) -> SideEffectOut:
    ensure_open(s)
    now = utcnow()
    row = SideEffect(
        session_id=s.id,
        kind=data.kind,
        severity=data.severity,
        onset_at=clinical_time(s, data.onset_at, now, field="onset_at"),
        intervention=_text(data.intervention),
        note=_text(data.note),
        recorded_at=now,
        by=by.id,
    )
    db.add(row)
    await db.flush()
    outcomes = []
    if data.outcome != "ongoing":
        first = SideEffectOutcome(
            side_effect_id=row.id, outcome=data.outcome, at=row.onset_at, by=by.id
        )
        db.add(first)
        await db.flush()
        outcomes.append(first)
    out = _side_effect_out(row, outcomes)
    await _written(db, s=s, by=by, kind="side_effect", out=out.model_dump(mode="json"))
    return out


async def add_outcome(
    db: AsyncSession, *, s: InfusionSession, side_effect_id: uuid.UUID, data: OutcomeIn, by: User
) -> SideEffectOut:
    ensure_open(s)
    row = await db.get(SideEffect, side_effect_id)
    if row is None or row.session_id != s.id:
        raise NotFound("No side effect with that id in this session.")
    at = clinical_time(s, data.at, utcnow())
    if at < row.onset_at:
        raise Invalid("at", "The outcome cannot be before the side effect began.")
    db.add(
        SideEffectOutcome(
            side_effect_id=row.id, outcome=data.outcome, at=at, note=_text(data.note), by=by.id
        )
    )
    await db.flush()
    outcomes = await db.scalars(
        select(SideEffectOutcome).where(SideEffectOutcome.side_effect_id == row.id)
    )
    out = _side_effect_out(row, list(outcomes.all()))
    await _written(db, s=s, by=by, kind="side_effect", out=out.model_dump(mode="json"))
    return out


async def add_prn(db: AsyncSession, *, s: InfusionSession, data: PrnIn, by: User) -> PrnOut:
    ensure_open(s)
    if data.side_effect_id is not None:
        effect = await db.get(SideEffect, data.side_effect_id)
        if effect is None or effect.session_id != s.id:
            raise Invalid("side_effect_id", "No side effect with that id in this session.")
    now = utcnow()
    row = PrnDose(
        session_id=s.id,
        drug=data.drug.strip(),
        dose=data.dose,
        unit=data.unit,
        route=data.route,
        given_at=clinical_time(s, data.given_at, now, field="given_at"),
        indication=data.indication.strip(),
        side_effect_id=data.side_effect_id,
        recorded_at=now,
        by=by.id,
    )
    db.add(row)
    await db.flush()
    out = PrnOut.model_validate(row)
    await _written(db, s=s, by=by, kind="prn", out=out.model_dump(mode="json"))
    return out


async def add_assessment(
    db: AsyncSession, *, s: InfusionSession, data: AssessmentIn, by: User
) -> AssessmentOut:
    ensure_open(s)
    score = assessment_score(data.scale, items=data.items, score=data.score)
    if isinstance(score, str):
        raise Invalid("items" if data.scale == "cadss6" else "score", score[0].upper() + score[1:])
    now = utcnow()
    row = Assessment(
        session_id=s.id,
        scale=data.scale,
        score=score,
        items=data.items,
        taken_at=clinical_time(s, data.taken_at, now, field="taken_at"),
        recorded_at=now,
        by=by.id,
    )
    db.add(row)
    await db.flush()
    out = _assessment_out(row)
    await _written(db, s=s, by=by, kind="assessment", out=out.model_dump(mode="json"))
    return out


async def clinical_record(db: AsyncSession, *, session_id: uuid.UUID) -> ClinicalRecord:
    effects = (
        await db.scalars(
            select(SideEffect)
            .where(SideEffect.session_id == session_id)
            .order_by(SideEffect.onset_at)
        )
    ).all()
    outcomes: dict[uuid.UUID, list[SideEffectOutcome]] = defaultdict(list)
    if effects:
        rows = await db.scalars(
            select(SideEffectOutcome).where(
                SideEffectOutcome.side_effect_id.in_([e.id for e in effects])
            )
        )
        for o in rows:
            outcomes[o.side_effect_id].append(o)
    prn = await db.scalars(
        select(PrnDose).where(PrnDose.session_id == session_id).order_by(PrnDose.given_at)
    )
    assessments = [
        _assessment_out(a)
        for a in await db.scalars(
            select(Assessment)
            .where(Assessment.session_id == session_id)
            .order_by(Assessment.taken_at)
        )
    ]
    trends: dict[str, list[TrendPoint]] = defaultdict(list)
    for a in assessments:
        trends[a.scale].append(TrendPoint(taken_at=a.taken_at, score=a.score))
    return ClinicalRecord(
        side_effects=[_side_effect_out(e, outcomes[e.id]) for e in effects],
        prn=[PrnOut.model_validate(p) for p in prn],
        assessments=assessments,
        trends=trends,
    )
