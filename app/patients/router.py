import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.deps import Access, Clinician, CurrentUser, Db
from app.patients import service
from app.patients.models import Patient
from app.patients.schemas import PatientDetail, PatientIn, PatientOut

router = APIRouter(prefix="/api/patients", tags=["patients"])


async def valid_patient(patient_id: uuid.UUID, db: Db, _user: CurrentUser) -> Patient:
    return await service.get_patient(db, patient_id)


ValidPatient = Annotated[Patient, Depends(valid_patient)]


@router.post("", status_code=201)
async def create_patient(body: PatientIn, db: Db, user: Clinician) -> PatientOut:
    return PatientOut.model_validate(await service.create_patient(db, data=body, by=user))


@router.get("")
async def search_patients(
    db: Db,
    user: CurrentUser,
    access: Access,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> list[PatientOut]:
    patients = await service.search_patients(db, q=q)
    await access.listed(
        db,
        user,
        view="patient search",
        query={"q": q or ""},
        kind="patient",
        shown=[str(p.id) for p in patients],
    )
    return [PatientOut.model_validate(p) for p in patients]


@router.get("/{patient_id}")
async def get_patient(patient: ValidPatient, db: Db, user: CurrentUser) -> PatientDetail:
    return await service.patient_detail(db, patient=patient, by=user)
