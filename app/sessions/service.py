"""Infusion sessions: create, checklist, phase transitions, notes, timeline; and their outward
shapes, the list/live tile and the full detail."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.alerts.models import Alert
from app.alerts.news2 import news2
from app.alerts.schemas import AlertOut
from app.alerts.service import OPEN_ALERTS_OF, open_alerts, resolve_session_alerts
from app.audit.service import record_audit
from app.auth.models import User
from app.config import Settings
from app.courses.models import TreatmentCourse
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import Event, record_event
from app.infusion.schemas import InfusionTile
from app.patients.models import Patient
from app.patients.schemas import PatientBrief
from app.protocols.rules import plan_dose
from app.protocols.service import rules_for_new_session
from app.screening.service import screening_gate
from app.sessions.discharge import discharge_criteria
from app.sessions.models import InfusionSession, Note, PhaseChange
from app.sessions.phases import ACTIVE, check_transition, next_due, record_closed, rules_of
from app.sessions.schemas import (
    Aldrete,
    Checklist,
    ChecklistIn,
    Criterion,
    Discharge,
    LastValue,
    News2Out,
    NoteIn,
    NoteOut,
    PhaseChangeOut,
    SessionCreate,
    SessionDetail,
    SessionRead,
    TimelineItem,
    TransitionIn,
)
from app.sites.service import chair_for_new_session, may_see, sites_in_view
from app.vitals import read
from app.vitals.codes import MEASURED, Source
from app.vitals.models import Reading
from app.vitals.schemas import ReadingOut


def news2_of(reading: Reading | None, last: read.LastByVital | None = None) -> News2Out | None:
    """NEWS2 of a reading (None when it cannot be scored: `read.news2_input`)."""
    scored = read.news2_input(reading, last) if reading is not None else None
    if scored is None:
        return None
    result = news2(scored)
    return News2Out(
        score=result.score,
        partial=result.partial,
        missing=list(result.missing),
        carried=list(result.carried),
        band=result.band,
        components=result.components,
    )


def last_values(last: read.LastByVital) -> list[LastValue]:
    return [
        LastValue(
            field=name,
            value=getattr(r, name),
            taken_at=r.taken_at,
            reading_id=r.id,
            source=cast(Source, r.source),
        )
        for name in MEASURED
        if (r := last.get(name)) is not None
    ]


def session_tile(
    s: InfusionSession,
    *,
    latest: Reading | None,
    last: read.LastByVital,
    alerts: Iterable[Alert],
    settings: Settings,
    charting: read.Charting,
    latest_out: ReadingOut | None = None,
) -> SessionRead:
    """The tile from what the caller holds: the latest current reading, each vital's latest
    reading (`read.last_by_vital_many`), the open alerts and `read.charting_many`, and the latest
    reading's outward shape when the caller has just made it (the writer has)."""
    alerts = list(alerts)
    if latest is None:
        latest_out = None
    elif latest_out is None or latest_out.id != latest.id:
        # Current by definition: neither amended nor in error; only a validation to look up.
        latest_out = read.to_out(
            latest,
            baseline_id=s.baseline_reading_id,
            validation=charting.validations.get(latest.id),
        )
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
        phase_labels=s.protocol_rules.get("phase_labels", {}),
        phase_started_at=s.phase_started_at,
        created_at=s.created_at,
        infusion_started_at=s.infusion_started_at,
        infusion_ended_at=s.infusion_ended_at,
        latest_reading=latest_out,
        last_values=last_values(last),
        open_alerts=[AlertOut.of(a, s) for a in sorted(alerts, key=lambda a: a.raised_at)],
        news2=news2_of(latest, last),
        next_reading_due_at=next_due(
            s, charting.charted_at.get(s.id), alerts=alerts, settings=settings
        ),
        infusion=InfusionTile.model_validate(s.infusion) if s.infusion else None,
    )


async def session_read(db: AsyncSession, s: InfusionSession, settings: Settings) -> SessionRead:
    return (await session_reads(db, [s], settings))[0]


async def session_reads(
    db: AsyncSession, sessions: Sequence[InfusionSession], settings: Settings
) -> list[SessionRead]:
    """Tiles of many sessions in a few queries, not a few per session: a dashboard's snapshot asks
    for every chair, and a clinic's dashboards all reconnect together after a restart."""
    ids = [s.id for s in sessions]
    current = await db.run_sync(read.current_many, ids)
    latest, last = current.latest, current.last
    charting = await db.run_sync(read.charting_many, latest)
    alerts: dict[uuid.UUID, list[Alert]] = {i: [] for i in ids}
    for alert in await db.scalars(OPEN_ALERTS_OF, {"ids": ids}):
        alerts[alert.session_id].append(alert)
    return [
        session_tile(
            s,
            latest=latest.get(s.id),
            last=last[s.id],
            alerts=alerts[s.id],
            settings=settings,
            charting=charting,
        )
        for s in sessions
    ]


def bp(reading: Reading | None) -> tuple[int, int] | None:
    if reading is None or reading.systolic is None or reading.diastolic is None:
        return None
    return reading.systolic, reading.diastolic


async def criteria_for(
    db: AsyncSession, s: InfusionSession, settings: Settings, aldrete_total: int | None
) -> list[Criterion]:
    baseline = await db.get(Reading, s.baseline_reading_id) if s.baseline_reading_id else None
    # A monitor's reading may hold no blood pressure: the latest one that does.
    latest = (await db.run_sync(read.last_by_vital_many, [s.id]))[s.id].get("systolic")
    alerts = await open_alerts(db, s.id)
    rules = rules_of(s)
    bp_times = list(
        await db.scalars(
            select(Reading.taken_at).where(
                Reading.session_id == s.id, Reading.systolic.is_not(None), read.is_current()
            )
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
        ready_to_leave_minutes=s.ready_to_leave_minutes,
        discharge=Discharge(met=all(c.met for c in criteria), criteria=criteria),
    )


async def get_session(
    db: AsyncSession, session_id: uuid.UUID, *, user: User | None = None
) -> InfusionSession:
    """The session, or 404 when there is none or it is at a site `user` does not belong to."""
    s = await db.scalar(
        select(InfusionSession)
        .where(InfusionSession.id == session_id)
        .options(selectinload(InfusionSession.patient))
    )
    if s is None or (user is not None and not await may_see(db, user, s.site_id)):
        raise NotFound("No infusion session with that id.")
    return s


async def publish_session(
    db: AsyncSession, *, s: InfusionSession, type: str, settings: Settings
) -> SessionRead:
    view = await session_read(db, s, settings)
    await record_event(
        db, type=type, session_id=s.id, data={"session": view.model_dump(mode="json")}
    )
    return view


async def create_session(
    db: AsyncSession, *, data: SessionCreate, by: User, settings: Settings
) -> SessionDetail:
    patient = await db.get(Patient, data.patient_id)
    if patient is None:
        raise Invalid("patient_id", "No patient with that id; create the patient first.")
    chair = await chair_for_new_session(db, chair_id=data.chair_id, by=by)
    busy = await db.scalar(
        select(InfusionSession.location).where(
            InfusionSession.patient_id == patient.id, InfusionSession.phase.in_(ACTIVE)
        )
    )
    if busy:
        raise Conflict(f"This patient already has an active session at {busy}.")
    protocol, rules = await rules_for_new_session(db, data.protocol)
    plan = plan_dose(
        rules, weight_kg=data.weight_kg, dose_mg_per_kg=data.dose_mg_per_kg, dose_mg=data.dose_mg
    )
    if isinstance(plan, str):
        raise Invalid("dose_mg_per_kg" if rules.dosing == "weight_based" else "dose_mg", plan)
    if data.course_id is not None:
        course = await db.get(TreatmentCourse, data.course_id)
        if course is None or course.patient_id != patient.id:
            raise Invalid("course_id", "This patient has no treatment course with that id.")
    now = utcnow()
    s = InfusionSession(
        patient_id=patient.id,
        site_id=chair.site_id,
        chair_id=chair.id,
        location=chair.name,
        protocol=protocol.code,
        protocol_rules=rules.model_dump(mode="json"),
        course_id=data.course_id,
        drug=data.drug or rules.drug,
        weight_kg=data.weight_kg,
        dose_mg_per_kg=plan.dose_mg_per_kg,
        dose_mg=plan.dose_mg,
        devices=plan.devices,
        planned_minutes=data.planned_minutes or rules.planned_minutes,
        phase="pre_infusion",
        phase_started_at=now,
        created_at=now,
        created_by=by.id,
    )
    s.patient = patient
    db.add(s)
    try:
        await db.flush()
    except IntegrityError as exc:
        # Another nurse opened a session in this chair a moment ago.
        await db.rollback()
        raise Conflict(f"{chair.name} already has an active session.") from exc
    db.add(PhaseChange(session_id=s.id, from_phase=None, to_phase="pre_infusion", at=now, by=by.id))
    await record_audit(db, action="session.create", user=by, target_type="session", target_id=s.id)
    await publish_session(db, s=s, type="session.created", settings=settings)
    await db.commit()
    return await session_detail(db, s, settings)


async def list_sessions(
    db: AsyncSession,
    *,
    active: bool | None,
    site_id: uuid.UUID | None,
    by: User,
    settings: Settings,
) -> list[SessionRead]:
    """Sessions at the caller's sites, or at one of them."""
    query = select(InfusionSession).options(selectinload(InfusionSession.patient))
    sites = await sites_in_view(db, by, site_id)
    if sites is not None:
        query = query.where(InfusionSession.site_id.in_(sites))
    if active is True:
        query = query.where(InfusionSession.phase.in_(ACTIVE)).order_by(InfusionSession.location)
    else:
        if active is False:
            query = query.where(InfusionSession.phase.not_in(ACTIVE))
        query = query.order_by(InfusionSession.created_at.desc()).limit(200)
    sessions = (await db.scalars(query)).all()
    return await session_reads(db, sessions, settings)


# Tablet clocks drift; a time this far off is the clock's fault, further is a mistake.
CLOCK_SKEW = timedelta(minutes=2)


def clinical_time(
    s: InfusionSession, at: datetime | None, now: datetime, *, field: str = "at"
) -> datetime:
    """When something happened at the chair (default now), checked against the session."""
    if at is None:
        return now
    if at > now + CLOCK_SKEW:
        raise Invalid(field, "The time is in the future; check the tablet's clock.")
    if at < s.created_at - CLOCK_SKEW:
        raise Invalid(field, "The time is before the session began.")
    return at


def ensure_open(s: InfusionSession) -> None:
    if s.phase not in ACTIVE:
        raise Conflict(f"The session is {s.phase}; it can no longer be changed.")


async def update_checklist(
    db: AsyncSession, *, s: InfusionSession, data: ChecklistIn, by: User, settings: Settings
) -> SessionDetail:
    ensure_open(s)
    changes = data.model_dump(exclude_none=True)
    for key, value in changes.items():
        setattr(s, key, value)
    await record_audit(
        db,
        action="session.checklist",
        user=by,
        target_type="session",
        target_id=s.id,
        details=changes,
    )
    await db.commit()
    return await session_detail(db, s, settings)


async def transition(
    db: AsyncSession, *, s: InfusionSession, data: TransitionIn, by: User, settings: Settings
) -> SessionDetail:
    reason = (data.reason or "").strip() or None
    if data.to == "aborted" and reason is None:
        raise Invalid("reason", "A reason is required to abort a session.")
    if data.ready_to_leave_minutes is not None and data.to != "discharged":
        raise Invalid(
            "ready_to_leave_minutes", "When the patient was ready to leave is given at discharge."
        )
    if data.aldrete is not None:
        s.aldrete = data.aldrete.model_dump()
    baseline = await db.get(Reading, s.baseline_reading_id) if s.baseline_reading_id else None
    discharge_unmet: list[str] = []
    if data.to == "discharged":
        total = data.aldrete.total if data.aldrete else None
        discharge_unmet = [
            c.detail for c in await criteria_for(db, s, settings, total) if not c.met
        ]
    screening = unscreened = None
    if data.to == "infusion" and s.phase == "pre_infusion":
        screening, unscreened = await screening_gate(db, s, required=settings.screening_required)
    verdict = check_transition(
        phase=s.phase,
        to=data.to,
        checklist={
            "identity_checked": s.identity_checked,
            "consent_signed": s.consent_signed,
            "fasting_confirmed": s.fasting_confirmed,
            "escort_confirmed": s.escort_confirmed,
        },
        baseline=bp(baseline),
        max_systolic=rules_of(s).baseline_max_systolic,
        max_diastolic=rules_of(s).baseline_max_diastolic,
        discharge_unmet=discharge_unmet,
        screening=screening,
        unscreened=unscreened,
    )
    if verdict.blocked:
        # Everything still in the way, the overridable too: one answer lists all there is to do.
        problems = verdict.blocked + verdict.overridable
        raise Conflict("Cannot change phase: " + "; ".join(problems) + ".")
    overridden = False
    if verdict.overridable:
        if not data.override:
            raise Conflict("Cannot change phase: " + "; ".join(verdict.overridable) + ".")
        if by.role != "physician":
            raise Forbidden(
                "Only a physician may override: " + "; ".join(verdict.overridable) + "."
            )
        if reason is None:
            raise Invalid("reason", "A reason is required to override.")
        overridden = True

    now = utcnow()
    previous = s.phase
    s.phase, s.phase_started_at = data.to, now
    if data.to == "infusion" and s.infusion_started_at is None:
        s.infusion_started_at = now
    if data.to == "recovery":
        s.infusion_ended_at = s.recovery_started_at = now
    if data.to == "discharged":
        s.ready_to_leave_minutes = data.ready_to_leave_minutes
    if data.to in ("discharged", "aborted"):
        s.ended_at = now
        if s.infusion_started_at and s.infusion_ended_at is None:
            s.infusion_ended_at = now
        ended = "Session discharged" if data.to == "discharged" else f"Session aborted: {reason}"
        await resolve_session_alerts(db, session=s, reason=ended)
    db.add(
        PhaseChange(
            session_id=s.id,
            from_phase=previous,
            to_phase=data.to,
            at=now,
            by=by.id,
            reason=reason,
            override=overridden,
        )
    )
    details: dict[str, Any] = {"from": previous, "to": data.to, "reason": reason}
    if overridden:
        details["overridden"] = verdict.overridable
    await record_audit(
        db,
        action="session.override" if overridden else "session.transition",
        user=by,
        target_type="session",
        target_id=s.id,
        details=details,
    )
    await publish_session(db, s=s, type="session.phase_changed", settings=settings)
    await db.commit()
    return await session_detail(db, s, settings)


def note_refusal(s: InfusionSession, kind: str, now: datetime, settings: Settings) -> str | None:
    """Why this note may not be added now (None: it may). A running session takes notes; an
    ended one only addenda, for `late_entry_hours` (DESIGN §2)."""
    if s.phase in ACTIVE:
        if kind == "addendum":
            return "The session is still running; add a note, not an addendum."
        return None
    if kind != "addendum":
        return f"The session is {s.phase}; add an addendum to its record instead."
    return record_closed(s, now, settings)


async def add_note(
    db: AsyncSession, *, s: InfusionSession, data: NoteIn, by: User, settings: Settings
) -> NoteOut:
    if (refusal := note_refusal(s, data.kind, utcnow(), settings)) is not None:
        raise Conflict(refusal)
    note = Note(session_id=s.id, kind=data.kind, text=data.text, details=data.details, by=by.id)
    db.add(note)
    await db.flush()
    out = NoteOut.model_validate(note)
    action = "session.addendum" if data.kind == "addendum" else "session.note"
    await record_audit(db, action=action, user=by, target_type="session", target_id=s.id)
    await record_event(
        db, type="session.note_added", session_id=s.id, data={"note": out.model_dump(mode="json")}
    )
    await db.commit()
    return out


async def timeline(db: AsyncSession, *, s: InfusionSession) -> list[TimelineItem]:
    rows = await db.scalars(select(Event).where(Event.session_id == s.id).order_by(Event.seq))
    return [TimelineItem(seq=e.seq, type=e.type, at=e.occurred_at, data=e.data) for e in rows.all()]
