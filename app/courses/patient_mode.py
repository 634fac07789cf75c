"""Patient mode: the clinic tablet handed to the patient to answer the scales, and only that.

Staff open a link for one session and the scales to ask; its token is a capability, not a
login: it is looked up only here, it never reaches `current_user`, so it opens no other route.
It shows no PHI, allows one submission, and expires. Leaving patient mode is a staff sign-in
(the tablet's staff login is ended when patient mode starts).
"""

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.auth.service import token_digest
from app.config import Settings
from app.courses.models import QuestionnaireLink, TreatmentCourse
from app.courses.schemas import (
    LinkCreate,
    LinkOut,
    PatientModeOut,
    PatientSubmission,
    PatientSubmitted,
    scale_out,
)
from app.courses.service import course_session, store_response
from app.db import utcnow
from app.errors import Conflict, Invalid, Unauthorized

# Long enough to answer three scales slowly; short enough that a forgotten tablet closes.
LINK_MINUTES = 30
_SPENT = "This questionnaire link has been used or has expired. Please hand the tablet to staff."


async def open_link(
    db: AsyncSession, *, course: TreatmentCourse, data: LinkCreate, by: User, settings: Settings
) -> LinkOut:
    await course_session(db, course=course, session_id=data.session_id)
    scales = list(dict.fromkeys(data.scales))
    token = secrets.token_urlsafe(32)
    link = QuestionnaireLink(
        token_hash=token_digest(token, settings),
        course_id=course.id,
        session_id=data.session_id,
        scales=scales,
        created_by=by.id,
        expires_at=utcnow() + timedelta(minutes=LINK_MINUTES),
    )
    db.add(link)
    await db.flush()
    await record_audit(
        db,
        action="questionnaire.link",
        user=by,
        target_type="course",
        target_id=course.id,
        details={"session": str(data.session_id), "scales": scales},
    )
    await db.commit()
    return LinkOut(token=token, expires_at=link.expires_at, scales=scales)


async def _live_link(db: AsyncSession, token: str, settings: Settings) -> QuestionnaireLink:
    link = await db.scalar(
        select(QuestionnaireLink).where(
            QuestionnaireLink.token_hash == token_digest(token, settings)
        )
    )
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        raise Unauthorized(_SPENT)
    return link


async def patient_view(db: AsyncSession, *, token: str, settings: Settings) -> PatientModeOut:
    link = await _live_link(db, token, settings)
    return PatientModeOut(
        scales=[scale_out(code) for code in link.scales],  # type: ignore[arg-type]
        expires_at=link.expires_at,
    )


async def submit(
    db: AsyncSession, *, token: str, data: PatientSubmission, settings: Settings
) -> PatientSubmitted:
    link = await _live_link(db, token, settings)
    sent = [r.scale for r in data.responses]
    if sorted(sent) != sorted(link.scales):
        raise Invalid(
            "responses", f"Please answer each questionnaire once: {', '.join(link.scales)}."
        )
    # Claimed first, in this transaction: a double tap submits once, the second gets 409.
    claimed = await db.scalar(
        update(QuestionnaireLink)
        .where(QuestionnaireLink.id == link.id, QuestionnaireLink.used_at.is_(None))
        .values(used_at=utcnow())
        .returning(QuestionnaireLink.id)
    )
    if claimed is None:
        raise Conflict(_SPENT)
    course = await db.get(TreatmentCourse, link.course_id)
    staff = await db.get(User, link.created_by)
    assert course is not None  # foreign keys
    assert staff is not None
    for r in data.responses:
        # Attributed to the staff member who handed the tablet over, marked as the patient's.
        await store_response(
            db,
            course=course,
            session_id=link.session_id,
            scale_code=r.scale,
            answers=r.answers,
            taken_at=None,
            source="patient",
            by=staff,
        )
    await db.commit()
    return PatientSubmitted(received=len(data.responses))
