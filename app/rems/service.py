"""Spravato sessions whose REMS form is due (7 days from the session), and marking them sent."""

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit.service import record_audit
from app.auth.models import User
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict
from app.exports.service import ExportFile, audit_export, session_record
from app.rems.form import SUBMIT_WITHIN
from app.rems.models import RemsSubmission
from app.rems.pdf import rems_pdf
from app.rems.schemas import RemsDue, SubmittedIn
from app.sessions.models import InfusionSession
from app.sessions.service import get_session

# How far back the tracker looks: the due ones and a week of those already late.
LOOK_BACK = timedelta(days=14)


def _is_spravato(s: InfusionSession) -> bool:
    return s.protocol_rules.get("route") == "intranasal"


async def rems_form(
    db: AsyncSession, *, session_id: uuid.UUID, by: User, settings: Settings
) -> ExportFile:
    s = await get_session(db, session_id, user=by)
    if not _is_spravato(s):
        raise Conflict("The REMS Patient Monitoring Form is for Spravato (intranasal) sessions.")
    record = await session_record(db, session_id=session_id, settings=settings)
    await audit_export(
        db,
        by=by,
        target_type="session",
        target_id=session_id,
        details={"format": "rems_pdf", "session_id": str(session_id)},
    )
    await db.commit()
    return ExportFile(rems_pdf(record), "application/pdf", f"spravato-rems-{session_id}.pdf")


async def due_forms(db: AsyncSession) -> list[RemsDue]:
    now = utcnow()
    rows = await db.scalars(
        select(InfusionSession)
        .where(InfusionSession.phase == "discharged", InfusionSession.ended_at >= now - LOOK_BACK)
        .options(selectinload(InfusionSession.patient))
        .order_by(InfusionSession.ended_at)
    )
    sessions = [s for s in rows.all() if _is_spravato(s)]
    sent = {
        r.session_id: (r, name)
        for r, name in await db.execute(
            select(RemsSubmission, User.display_name)
            .join(User, User.id == RemsSubmission.by)
            .where(RemsSubmission.session_id.in_([s.id for s in sessions]))
        )
    }
    out = []
    for s in sessions:
        assert s.ended_at is not None
        due = s.ended_at + SUBMIT_WITHIN
        submission, by_name = sent.get(s.id, (None, None))
        out.append(
            RemsDue(
                session_id=s.id,
                mrn=s.patient.mrn,
                patient_name=s.patient.full_name,
                discharged_at=s.ended_at,
                due_at=due,
                overdue=submission is None and now > due,
                submitted_at=None if submission is None else submission.submitted_at,
                submitted_by=by_name,
                reference=None if submission is None else submission.reference,
            )
        )
    return out


async def mark_submitted(
    db: AsyncSession, *, session_id: uuid.UUID, data: SubmittedIn, by: User
) -> RemsDue:
    s = await get_session(db, session_id, user=by)
    if not _is_spravato(s) or s.phase != "discharged":
        raise Conflict("Only a discharged Spravato session has a REMS form to submit.")
    if await db.get(RemsSubmission, s.id) is not None:
        raise Conflict("This session's REMS form is already marked submitted.")
    db.add(RemsSubmission(session_id=s.id, by=by.id, reference=data.reference))
    await record_audit(
        db,
        action="rems.submitted",
        user=by,
        target_type="session",
        target_id=s.id,
        details={"reference": data.reference},
    )
    await db.commit()
    return next(d for d in await due_forms(db) if d.session_id == s.id)
