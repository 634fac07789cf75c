"""Treatment courses and the questionnaire responses taken across them."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import Alert
from app.alerts.schemas import AlertOut
from app.alerts.service import raise_safety_alert, sessions_by_id
from app.audit.service import record_audit
from app.auth.models import User
from app.clinical.models import SideEffect
from app.courses.exports import course_bundle, course_csv
from app.courses.models import QuestionnaireResponse, TreatmentCourse
from app.courses.report import course_pdf
from app.courses.scales import PHQ9, PHQ9_SELF_HARM_ITEM, SCALES, ScaleCode, outcome, score
from app.courses.schemas import (
    BloodPressure,
    CourseCreate,
    CourseDetail,
    CourseOut,
    CourseSession,
    OutcomeOut,
    ResponseIn,
    ResponseOut,
)
from app.db import utcnow
from app.errors import Invalid, NotFound
from app.exports.service import MEDIA_TYPES, ExportFile, audit_export
from app.infusion.service import infusion_record
from app.patients.models import Patient
from app.patients.schemas import PatientBrief
from app.protocols.service import protocol_by_code
from app.sessions.models import InfusionSession
from app.vitals.models import Reading
from app.vitals.read import is_current

SELF_HARM_RULE = "phq9_item9"


async def create_course(
    db: AsyncSession, *, patient: Patient, data: CourseCreate, by: User
) -> TreatmentCourse:
    protocol = await protocol_by_code(db, data.protocol)
    if protocol is None or not protocol.active:
        raise Invalid(
            "protocol", f"No active protocol {data.protocol!r}; ask an admin which to use."
        )
    course = TreatmentCourse(**data.model_dump(), patient_id=patient.id, created_by=by.id)
    db.add(course)
    await db.flush()
    await record_audit(
        db, action="course.create", user=by, target_type="course", target_id=course.id
    )
    await db.commit()
    return course


async def get_course(db: AsyncSession, course_id: uuid.UUID) -> TreatmentCourse:
    course = await db.get(TreatmentCourse, course_id)
    if course is None:
        raise NotFound("No treatment course with that id.")
    return course


async def patient_courses(db: AsyncSession, *, patient: Patient, by: User) -> list[CourseOut]:
    rows = await db.scalars(
        select(TreatmentCourse)
        .where(TreatmentCourse.patient_id == patient.id)
        .order_by(TreatmentCourse.started_on.desc())
    )
    await record_audit(
        db, action="course.list", user=by, target_type="patient", target_id=patient.id
    )
    await db.commit()
    return [CourseOut.model_validate(c) for c in rows.all()]


def response_out(
    row: QuestionnaireResponse, alert: Alert | None, session: InfusionSession | None
) -> ResponseOut:
    """`session`: the response's session with its patient, needed when there is an alert."""
    scale = SCALES[row.scale]  # type: ignore[index]
    result = score(scale, row.answers)
    return ResponseOut(
        id=row.id,
        course_id=row.course_id,
        session_id=row.session_id,
        scale=scale.code,
        answers=row.answers,
        total=result.total,
        max_total=scale.max_total,
        band=result.band,
        self_harm=result.self_harm,
        dsm5_rule=result.dsm5_rule,
        taken_at=row.taken_at,
        recorded_at=row.recorded_at,
        source=row.source,
        entered_by=row.entered_by,
        alert=AlertOut.of(alert, session) if alert is not None and session is not None else None,
    )


async def course_session(
    db: AsyncSession, *, course: TreatmentCourse, session_id: uuid.UUID
) -> InfusionSession:
    s = await db.get(InfusionSession, session_id)
    if s is None or s.course_id != course.id:
        raise Invalid("session_id", "That visit is not a session of this treatment course.")
    return s


async def store_response(
    db: AsyncSession,
    *,
    course: TreatmentCourse,
    session_id: uuid.UUID,
    scale_code: ScaleCode,
    answers: Sequence[int],
    taken_at: datetime | None,
    source: str,
    by: User,
) -> ResponseOut:
    """Score and keep one response inside the caller's transaction; a PHQ-9 with item 9 above
    zero raises the session's safety alert in the same transaction."""
    scale = SCALES[scale_code]
    await course_session(db, course=course, session_id=session_id)
    try:
        result = score(scale, answers)
    except ValueError as e:
        raise Invalid("answers", str(e)) from None
    now = utcnow()
    if taken_at is not None and taken_at > now:
        raise Invalid("taken_at", "A questionnaire cannot be taken in the future.")
    alert = None
    if result.self_harm:
        answer = answers[PHQ9_SELF_HARM_ITEM]
        alert = await raise_safety_alert(
            db,
            session_id=session_id,
            rule=SELF_HARM_RULE,
            message=(
                f"PHQ-9 item 9 (thoughts of self-harm): {PHQ9.options[answer]!r} ({answer}); "
                "a clinician must see the patient today"
            ),
            value=answer,
        )
    row = QuestionnaireResponse(
        id=uuid.uuid4(),
        course_id=course.id,
        session_id=session_id,
        scale=scale.code,
        answers=list(answers),
        total=result.total,
        taken_at=taken_at or now,
        recorded_at=now,
        source=source,
        entered_by=by.id,
        alert_id=alert.id if alert else None,
    )
    db.add(row)
    await db.flush()
    await record_audit(
        db,
        action="questionnaire.record",
        user=by,
        target_type="questionnaire_response",
        target_id=row.id,
        details={"course": str(course.id), "scale": scale.code, "source": source},
    )
    sessions = await sessions_by_id(db, [session_id] if alert else [])
    return response_out(row, alert, sessions.get(session_id))


async def record_response(
    db: AsyncSession, *, course: TreatmentCourse, data: ResponseIn, by: User
) -> ResponseOut:
    out = await store_response(
        db,
        course=course,
        session_id=data.session_id,
        scale_code=data.scale,
        answers=data.answers,
        taken_at=data.taken_at,
        source="staff",
        by=by,
    )
    await db.commit()
    return out


async def course_responses(db: AsyncSession, course_id: uuid.UUID) -> list[ResponseOut]:
    rows = (
        await db.execute(
            select(QuestionnaireResponse, Alert)
            .outerjoin(Alert, Alert.id == QuestionnaireResponse.alert_id)
            .where(QuestionnaireResponse.course_id == course_id)
            .order_by(QuestionnaireResponse.taken_at, QuestionnaireResponse.recorded_at)
        )
    ).all()
    sessions = await sessions_by_id(db, [row.session_id for row, alert in rows if alert])
    return [response_out(row, alert, sessions.get(row.session_id)) for row, alert in rows]


def outcomes_of(responses: Sequence[ResponseOut]) -> list[OutcomeOut]:
    by_scale: dict[ScaleCode, list[int]] = defaultdict(list)
    for r in responses:
        by_scale[r.scale].append(r.total)
    out = []
    for code, scale in SCALES.items():
        result = outcome(scale, by_scale.get(code, []))
        if result is not None:
            out.append(
                OutcomeOut(
                    scale=code,
                    baseline=result.baseline,
                    latest=result.latest,
                    change=result.change,
                    response=result.response,
                    remission=result.remission,
                )
            )
    return out


async def course_sessions(db: AsyncSession, course_id: uuid.UUID) -> list[CourseSession]:
    sessions = (
        await db.scalars(
            select(InfusionSession)
            .where(InfusionSession.course_id == course_id)
            .order_by(InfusionSession.created_at)
        )
    ).all()
    ids = [s.id for s in sessions]
    if not ids:
        return []
    current = (
        select(Reading.session_id, Reading.systolic, Reading.diastolic, Reading.spo2)
        .where(Reading.session_id.in_(ids), is_current())
        .order_by(Reading.taken_at)
    )
    peak: dict[uuid.UUID, BloodPressure] = {}
    low_spo2: dict[uuid.UUID, int] = {}
    for sid, sbp, dbp, spo2 in (await db.execute(current)).all():
        if sbp is not None and dbp is not None and (sid not in peak or sbp > peak[sid].systolic):
            peak[sid] = BloodPressure(systolic=sbp, diastolic=dbp)
        if spo2 is not None:
            low_spo2[sid] = min(spo2, low_spo2.get(sid, spo2))
    alerts = dict(
        (
            await db.execute(
                select(Alert.session_id, func.count())
                .where(Alert.session_id.in_(ids))
                .group_by(Alert.session_id)
            )
        ).all()
    )
    effects: dict[uuid.UUID, list[str]] = defaultdict(list)
    for sid, kind, severity in await db.execute(
        select(SideEffect.session_id, SideEffect.kind, SideEffect.severity)
        .where(SideEffect.session_id.in_(ids))
        .order_by(SideEffect.onset_at)
    ):
        effects[sid].append(f"{kind.replace('_', ' ')} ({severity})")
    # The pump log is folded per session (app/infusion); a course has a handful of them.
    delivered: dict[uuid.UUID, float] = {}
    for s in sessions:
        record = await infusion_record(db, s=s)
        if record.status != "not_started":
            delivered[s.id] = record.delivered_mg
    return [
        CourseSession(
            id=s.id,
            number=n,
            phase=s.phase,
            created_at=s.created_at,
            infusion_started_at=s.infusion_started_at,
            drug=s.drug,
            protocol=s.protocol,
            dose_mg_per_kg=s.dose_mg_per_kg,
            planned_dose_mg=s.dose_mg,
            delivered_mg=delivered.get(s.id),
            side_effects=effects.get(s.id, []),
            peak_bp=peak.get(s.id),
            lowest_spo2=low_spo2.get(s.id),
            alert_count=alerts.get(s.id, 0),
        )
        for n, s in enumerate(sessions, start=1)
    ]


async def load_detail(db: AsyncSession, course: TreatmentCourse) -> CourseDetail:
    """The course as the physician reads it (no audit: callers audit their own use)."""
    patient = await db.get(Patient, course.patient_id)
    assert patient is not None  # a foreign key
    responses = await course_responses(db, course.id)
    return CourseDetail(
        **CourseOut.model_validate(course).model_dump(),
        patient=PatientBrief.model_validate(patient),
        sessions=await course_sessions(db, course.id),
        responses=responses,
        outcomes=outcomes_of(responses),
    )


async def course_detail(db: AsyncSession, *, course: TreatmentCourse, by: User) -> CourseDetail:
    detail = await load_detail(db, course)
    await record_audit(db, action="course.read", user=by, target_type="course", target_id=course.id)
    await db.commit()
    return detail


CourseFormat = Literal["csv", "fhir", "pdf"]


def render(detail: CourseDetail, fmt: CourseFormat, exported_at: datetime) -> bytes:
    if fmt == "csv":
        return course_csv(detail)
    if fmt == "fhir":
        return course_bundle(detail, exported_at)
    return course_pdf(detail, exported_at)


async def export_course(
    db: AsyncSession, *, course: TreatmentCourse, fmt: CourseFormat, by: User
) -> ExportFile:
    detail = await load_detail(db, course)
    await audit_export(
        db,
        by=by,
        target_type="course",
        target_id=course.id,
        details={"format": fmt, "course_id": str(course.id), "rows": len(detail.responses)},
    )
    # Audited and committed before rendering, as session exports are.
    await db.commit()
    content = await anyio.to_thread.run_sync(render, detail, fmt, utcnow())
    media_type, ext = MEDIA_TYPES[fmt]
    return ExportFile(content, media_type, f"course-{course.id}.{ext}")
