import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from app.alerts.schemas import AlertOut
from app.courses.scales import SCALES, ScaleCode
from app.patients.schemas import PatientBrief
from app.protocols.rules import DEFAULT_PROTOCOL

# Strict: `true` or "2" for an answer is a client bug, not a score.
Answers = Annotated[
    list[StrictInt], Field(max_length=20, description="Item answers in order, each 0..top")
]
Indication = Literal["depression", "ptsd", "anxiety", "chronic_pain", "other"]


class CourseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indication: Indication
    protocol: str = Field(
        default=DEFAULT_PROTOCOL, min_length=1, max_length=32, description="A protocol's code"
    )
    planned_sessions: int = Field(ge=1, le=50, description="Infusions planned, boosters apart")
    started_on: date


class CourseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    indication: Indication
    protocol: str
    planned_sessions: int
    started_on: date
    created_at: datetime
    created_by: uuid.UUID


class ResponseIn(BaseModel):
    """One completed scale as a person read it off the form: answers in item order."""

    model_config = ConfigDict(extra="forbid")

    scale: ScaleCode
    session_id: uuid.UUID = Field(description="The visit (session of this course) it was taken at")
    answers: Answers
    taken_at: datetime | None = Field(default=None, description="Defaults to now")


class ResponseOut(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    session_id: uuid.UUID
    scale: ScaleCode
    answers: list[int]
    total: int
    max_total: int
    band: str
    self_harm: bool
    dsm5_rule: bool | None
    taken_at: datetime
    recorded_at: datetime
    source: Literal["staff", "patient"]
    entered_by: uuid.UUID
    alert: AlertOut | None


class OutcomeOut(BaseModel):
    scale: ScaleCode
    baseline: int
    latest: int
    change: int
    response: bool | None = Field(description="PHQ-9: total dropped by at least 50 % (else null)")
    remission: bool | None = Field(description="PHQ-9: latest total below 5 (else null)")


class BloodPressure(BaseModel):
    systolic: int
    diastolic: int


class CourseSession(BaseModel):
    """One infusion of the course, summarised."""

    id: uuid.UUID
    number: int
    phase: str
    created_at: datetime
    infusion_started_at: datetime | None
    drug: str
    protocol: str
    dose_mg_per_kg: float | None
    planned_dose_mg: float
    delivered_mg: float | None = Field(description="From the pump log; null before it starts")
    side_effects: list[str]
    peak_bp: BloodPressure | None = Field(description="Highest systolic reading, with its DBP")
    lowest_spo2: int | None
    alert_count: int


class CourseDetail(CourseOut):
    patient: PatientBrief
    sessions: list[CourseSession]
    responses: list[ResponseOut]
    outcomes: list[OutcomeOut]


class ItemOut(BaseModel):
    number: int
    text: str


class ScaleOut(BaseModel):
    code: ScaleCode
    title: str
    stem: str
    items: list[ItemOut]
    options: list[str]
    max_total: int


def scale_out(code: ScaleCode) -> ScaleOut:
    s = SCALES[code]
    return ScaleOut(
        code=s.code,
        title=s.title,
        stem=s.stem,
        items=[ItemOut(number=i, text=t) for i, t in enumerate(s.items, start=1)],
        options=list(s.options),
        max_total=s.max_total,
    )


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: uuid.UUID
    scales: list[ScaleCode] = Field(min_length=1, max_length=3)


class LinkOut(BaseModel):
    token: str = Field(description="Shown once: the tablet's capability to submit these scales")
    expires_at: datetime
    scales: list[ScaleCode]


class PatientModeOut(BaseModel):
    """What patient mode shows: the questionnaires and nothing about the patient."""

    scales: list[ScaleOut]
    expires_at: datetime


class PatientAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scale: ScaleCode
    answers: Answers


class PatientSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    responses: list[PatientAnswers] = Field(min_length=1, max_length=3)


class PatientSubmitted(BaseModel):
    received: int
