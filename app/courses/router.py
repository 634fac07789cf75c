import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import Response

from app.courses import patient_mode, service
from app.courses.models import TreatmentCourse
from app.courses.scales import SCALES
from app.courses.schemas import (
    CourseCreate,
    CourseDetail,
    CourseOut,
    LinkCreate,
    LinkOut,
    PatientModeOut,
    PatientSubmission,
    PatientSubmitted,
    ResponseIn,
    ResponseOut,
    ScaleOut,
    scale_out,
)
from app.deps import AppSettings, Clinician, CurrentUser, Db, Exporter
from app.errors import Unauthorized
from app.patients.models import Patient
from app.patients.service import get_patient

router = APIRouter(prefix="/api", tags=["courses"])


async def valid_patient(patient_id: uuid.UUID, db: Db, _user: CurrentUser) -> Patient:
    return await get_patient(db, patient_id)


async def valid_course(course_id: uuid.UUID, db: Db, _user: CurrentUser) -> TreatmentCourse:
    return await service.get_course(db, course_id)


ValidPatient = Annotated[Patient, Depends(valid_patient)]
ValidCourse = Annotated[TreatmentCourse, Depends(valid_course)]


async def questionnaire_token(
    token: Annotated[str | None, Header(alias="X-Questionnaire-Token", max_length=100)] = None,
) -> str:
    """Patient mode's capability; deliberately not the login's cookie or bearer token, so a
    staff login opens nothing here and the capability opens nothing else."""
    if not token:
        raise Unauthorized("This tablet is not in patient mode. Staff: please sign in.")
    return token


QuestionnaireToken = Annotated[str, Depends(questionnaire_token)]


@router.get("/scales")
async def list_scales(_user: CurrentUser) -> list[ScaleOut]:
    return [scale_out(code) for code in SCALES]


@router.post("/patients/{patient_id}/courses", status_code=201)
async def create_course(
    user: Clinician, patient: ValidPatient, body: CourseCreate, db: Db
) -> CourseOut:
    course = await service.create_course(db, patient=patient, data=body, by=user)
    return CourseOut.model_validate(course)


@router.get("/patients/{patient_id}/courses")
async def patient_courses(patient: ValidPatient, db: Db, user: CurrentUser) -> list[CourseOut]:
    return await service.patient_courses(db, patient=patient, by=user)


@router.get("/courses/{course_id}")
async def get_course(course: ValidCourse, db: Db, user: CurrentUser) -> CourseDetail:
    return await service.course_detail(db, course=course, by=user)


@router.post("/courses/{course_id}/responses", status_code=201)
async def record_response(
    user: Clinician, course: ValidCourse, body: ResponseIn, db: Db
) -> ResponseOut:
    """A scale completed on paper or read out, entered by staff; scored here."""
    return await service.record_response(db, course=course, data=body, by=user)


@router.post("/courses/{course_id}/questionnaire-links", status_code=201)
async def open_link(
    user: Clinician, course: ValidCourse, body: LinkCreate, db: Db, settings: AppSettings
) -> LinkOut:
    """Patient mode: a one-time token that lets the tablet submit these scales, nothing else."""
    return await patient_mode.open_link(db, course=course, data=body, by=user, settings=settings)


@router.get("/patient-mode", tags=["patient mode"])
async def patient_view(token: QuestionnaireToken, db: Db, settings: AppSettings) -> PatientModeOut:
    return await patient_mode.patient_view(db, token=token, settings=settings)


@router.post("/patient-mode/responses", status_code=201, tags=["patient mode"])
async def patient_submit(
    token: QuestionnaireToken, body: PatientSubmission, db: Db, settings: AppSettings
) -> PatientSubmitted:
    return await patient_mode.submit(db, token=token, data=body, settings=settings)


async def _export(
    course: TreatmentCourse, fmt: service.CourseFormat, db: Db, user: Exporter
) -> Response:
    file = await service.export_course(db, course=course, fmt=fmt, by=user)
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


# Exporter before the course: a role that may not export gets 403 without learning the id.
@router.get("/exports/courses/{course_id:uuid}.csv", response_class=Response, tags=["exports"])
async def course_csv(user: Exporter, course: ValidCourse, db: Db) -> Response:
    """Scores of the course, one row per questionnaire response (items as columns)."""
    return await _export(course, "csv", db, user)


@router.get(
    "/exports/courses/{course_id:uuid}.fhir.json", response_class=Response, tags=["exports"]
)
async def course_fhir(user: Exporter, course: ValidCourse, db: Db) -> Response:
    """FHIR R4 Bundle: Patient, then a QuestionnaireResponse and its LOINC total per response."""
    return await _export(course, "fhir", db, user)


@router.get("/exports/courses/{course_id:uuid}.pdf", response_class=Response, tags=["exports"])
async def course_pdf(user: Exporter, course: ValidCourse, db: Db) -> Response:
    """The course report: outcome, trend per scale with the infusions marked, infusions, scores."""
    return await _export(course, "pdf", db, user)
