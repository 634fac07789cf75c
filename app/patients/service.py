import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.errors import Conflict, NotFound
from app.patients.models import Patient
from app.patients.schemas import PastSession, PatientDetail, PatientIn, PatientOut
from app.sessions.models import InfusionSession


async def create_patient(db: AsyncSession, *, data: PatientIn, by: User) -> Patient:
    if await db.scalar(select(Patient.id).where(Patient.mrn == data.mrn)):
        raise Conflict(f"A patient with MRN {data.mrn} already exists.")
    patient = Patient(**data.model_dump(), created_by=by.id)
    db.add(patient)
    await db.flush()
    await record_audit(
        db, action="patient.create", user=by, target_type="patient", target_id=patient.id
    )
    await db.commit()
    return patient


async def search_patients(db: AsyncSession, *, q: str | None) -> list[Patient]:
    query = select(Patient).order_by(Patient.full_name).limit(50)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(Patient.mrn.ilike(like), Patient.full_name.ilike(like)))
    return list((await db.scalars(query)).all())


async def get_patient(db: AsyncSession, patient_id: uuid.UUID) -> Patient:
    patient = await db.get(Patient, patient_id)
    if patient is None:
        raise NotFound("No patient with that id.")
    return patient


async def patient_detail(db: AsyncSession, *, patient: Patient, by: User) -> PatientDetail:
    sessions = await db.scalars(
        select(InfusionSession)
        .where(InfusionSession.patient_id == patient.id)
        .order_by(InfusionSession.created_at.desc())
    )
    await record_audit(
        db, action="patient.read", user=by, target_type="patient", target_id=patient.id
    )
    await db.commit()
    return PatientDetail(
        **PatientOut.model_validate(patient, from_attributes=True).model_dump(),
        sessions=[PastSession.model_validate(s) for s in sessions.all()],
    )
