"""The outward shapes of an infusion session: the list/live tile and the full detail."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import Alert
from app.alerts.news2 import news2
from app.alerts.schemas import AlertOut
from app.config import Settings
from app.db import utcnow
from app.infusion.schemas import InfusionTile
from app.patients.schemas import PatientBrief
from app.protocols.rules import ProtocolRules
from app.sessions.discharge import discharge_criteria
from app.sessions.models import InfusionSession, PhaseChange
from app.sessions.phases import ACTIVE
from app.sessions.schemas import (
    Aldrete,
    Checklist,
    Criterion,
    Discharge,
    News2Out,
    PhaseChangeOut,
    SessionDetail,
    SessionRead,
)
from app.vitals import read
from app.vitals.models import Reading


def rules_of(s: InfusionSession) -> ProtocolRules:
    """The rules the session was created under (its protocol, frozen then)."""
    return ProtocolRules.model_validate(s.protocol_rules)


def cadence_seconds(phase: str, rules: ProtocolRules) -> float | None:
    if phase in ("infusion", "paused"):
        return rules.infusion_check_seconds
    if phase == "recovery":
        return rules.recovery_check_seconds
    return None


def alert_cadence_seconds(alerts: Iterable[Alert], settings: Settings) -> float | None:
    """After a medium or high alert the next reading is due sooner (DESIGN §3); the overdue
    alert is about the readings themselves and a safety alert (PHQ-9 item 9) about the patient's
    answers, not their vitals: neither shortens anything."""
    priorities = {
        a.priority for a in alerts if a.state != "resolved" and a.kind not in ("overdue", "safety")
    }
    if "high" in priorities:
        return settings.recheck_after_high_seconds
    if "medium" in priorities:
        return settings.recheck_after_medium_seconds
    return None


def next_due(
    s: InfusionSession,
    latest: Reading | None,
    *,
    alerts: Iterable[Alert] = (),
    settings: Settings | None = None,
) -> datetime | None:
    """Readings are due a cadence after the later of the phase start and the last reading; a
    baseline is due from the start of the session, and an open alert shortens the cadence."""
    if s.phase not in ACTIVE:
        return None
    cadence = cadence_seconds(s.phase, rules_of(s))
    sooner = alert_cadence_seconds(alerts, settings) if settings is not None else None
    if sooner is not None:
        cadence = sooner if cadence is None else min(cadence, sooner)
    if cadence is None:
        if s.phase == "pre_infusion" and s.baseline_reading_id is None:
            return s.phase_started_at
        return None
    anchor = s.phase_started_at
    if latest is not None and latest.taken_at > anchor:
        anchor = latest.taken_at
    return anchor + timedelta(seconds=cadence)


def news2_of(reading: Reading | None) -> News2Out | None:
    if reading is None:
        return None
    result = news2(read.news2_input(reading))
    return News2Out(
        score=result.score,
        partial=result.partial,
        missing=list(result.missing),
        band=result.band,
        components=result.components,
    )


# Built once: on the reading path, building a statement costs more than running it.
OPEN_ALERTS_OF = select(Alert).where(
    Alert.session_id.in_(bindparam("ids", expanding=True)), Alert.state != "resolved"
)


async def open_alerts(db: AsyncSession, session_id: uuid.UUID) -> list[Alert]:
    rows = await db.scalars(OPEN_ALERTS_OF, {"ids": [session_id]})
    return sorted(rows, key=lambda a: a.raised_at)


def session_tile(
    s: InfusionSession, *, latest: Reading | None, alerts: Iterable[Alert], settings: Settings
) -> SessionRead:
    """The tile from what the caller holds: the latest current reading and the open alerts."""
    alerts = list(alerts)
    return SessionRead(
        id=s.id,
        patient=PatientBrief.model_validate(s.patient),
        site_id=s.site_id,
        chair_id=s.chair_id,
        location=s.location,
        drug=s.drug,
        protocol=s.protocol,
        course_id=s.course_id,
        weight_kg=s.weight_kg,
        dose_mg_per_kg=s.dose_mg_per_kg,
        total_dose_mg=s.dose_mg,
        devices=s.devices,
        planned_minutes=s.planned_minutes,
        phase=s.phase,
        phase_started_at=s.phase_started_at,
        created_at=s.created_at,
        infusion_started_at=s.infusion_started_at,
        infusion_ended_at=s.infusion_ended_at,
        # Current by definition: neither amended nor in error, so nothing to look up.
        latest_reading=read.to_out(latest, baseline_id=s.baseline_reading_id) if latest else None,
        open_alerts=[AlertOut.of(a, s) for a in sorted(alerts, key=lambda a: a.raised_at)],
        news2=news2_of(latest),
        next_reading_due_at=next_due(s, latest, alerts=alerts, settings=settings),
        infusion=InfusionTile.model_validate(s.infusion) if s.infusion else None,
    )


async def session_read(db: AsyncSession, s: InfusionSession, settings: Settings) -> SessionRead:
    return (await session_reads(db, [s], settings))[0]


async def session_reads(
    db: AsyncSession, sessions: Sequence[InfusionSession], settings: Settings
) -> list[SessionRead]:
    """Tiles of many sessions in two queries, not two per session: a dashboard's snapshot asks
    for every chair, and a clinic's dashboards all reconnect together after a restart."""
    ids = [s.id for s in sessions]
    latest = await read.latest_current_many(db, ids)
    alerts: dict[uuid.UUID, list[Alert]] = {i: [] for i in ids}
    for alert in await db.scalars(OPEN_ALERTS_OF, {"ids": ids}):
        alerts[alert.session_id].append(alert)
    return [
        session_tile(s, latest=latest.get(s.id), alerts=alerts[s.id], settings=settings)
        for s in sessions
    ]


def bp(reading: Reading | None) -> tuple[int, int] | None:
    return (reading.systolic, reading.diastolic) if reading else None


async def criteria_for(
    db: AsyncSession, s: InfusionSession, settings: Settings, aldrete_total: int | None
) -> list[Criterion]:
    baseline = await db.get(Reading, s.baseline_reading_id) if s.baseline_reading_id else None
    latest = await read.latest_current(db, session_id=s.id)
    alerts = await open_alerts(db, s.id)
    rules = rules_of(s)
    bp_times = list(
        await db.scalars(
            select(Reading.taken_at).where(Reading.session_id == s.id, read.is_current())
        )
    )
    results = discharge_criteria(
        aldrete_total=aldrete_total,
        baseline=bp(baseline),
        latest=bp(latest),
        has_active_high_alert=any(a.priority == "high" and a.state == "active" for a in alerts),
        escort_confirmed=s.escort_confirmed,
        recovery_started_at=s.recovery_started_at,
        rules=rules,
        dosed_at=s.infusion_started_at,
        bp_times=bp_times,
        now=utcnow(),
    )
    return [Criterion(name=c.name, met=c.met, detail=c.detail) for c in results]


async def session_detail(db: AsyncSession, s: InfusionSession, settings: Settings) -> SessionDetail:
    summary = await session_read(db, s, settings)
    history = await db.scalars(
        select(PhaseChange).where(PhaseChange.session_id == s.id).order_by(PhaseChange.id)
    )
    baseline = await db.get(Reading, s.baseline_reading_id) if s.baseline_reading_id else None
    aldrete = Aldrete.model_validate(s.aldrete) if s.aldrete else None
    criteria = await criteria_for(db, s, settings, aldrete.total if aldrete else None)
    return SessionDetail(
        **summary.model_dump(),
        protocol_rules=rules_of(s),
        phase_history=[PhaseChangeOut.model_validate(p) for p in history.all()],
        checklist=Checklist(
            identity_checked=s.identity_checked,
            consent_signed=s.consent_signed,
            fasting_confirmed=s.fasting_confirmed,
            escort_confirmed=s.escort_confirmed,
        ),
        baseline=(await read.describe(db, [baseline], baseline_id=s.baseline_reading_id))[0]
        if baseline
        else None,
        aldrete=aldrete,
        discharge=Discharge(met=all(c.met for c in criteria), criteria=criteria),
    )
