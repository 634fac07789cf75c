"""The shapes exports are built from; the JSON export of a session is `SessionRecord` itself."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from app.alerts.schemas import AlertOut
from app.clinical.schemas import ClinicalRecord
from app.infusion.schemas import InfusionRecord
from app.screening.schemas import ScreeningOut
from app.sessions.schemas import News2Out, SessionDetail, TimelineItem
from app.vitals.schemas import ReadingOut

SessionFormat = Literal["csv", "events_csv", "json", "fhir", "pdf"]
RangeFormat = Literal["csv", "fhir"]


class StaffBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    role: str


class ExportReading(ReadingOut):
    """A reading with what a record needs beside it, so the builders stay pure."""

    patient_id: uuid.UUID
    mrn: str
    recorded_by_username: str
    validated_by_username: str | None = Field(
        default=None, description="Who validated it (a monitor's reading)"
    )
    alerts: list[str] = Field(description="Alerts this reading raised, as rule:priority")
    news2: News2Out | None = Field(description="null when the reading cannot be scored")


class ExportAlert(AlertOut):
    first_reading_id: uuid.UUID | None = Field(description="The reading that raised it")
    last_reading_id: uuid.UUID | None = Field(description="The last reading that breached it")


class SessionRecord(BaseModel):
    """The whole session record: detail, every reading (all statuses), the infusion record, side
    effects, PRN medicines and assessments, timeline and alerts."""

    exported_at: datetime
    session: SessionDetail
    readings: list[ExportReading]
    infusion: InfusionRecord
    clinical: ClinicalRecord
    screening: ScreeningOut | None = Field(description="The latest screening form")
    timeline: list[TimelineItem]
    alerts: list[ExportAlert]
    staff: list[StaffBrief]

    def staff_name(self, user_id: uuid.UUID | None) -> str:
        for person in self.staff:
            if person.id == user_id:
                return person.display_name
        return "" if user_id is None else str(user_id)


class DateRange(BaseModel):
    """`from`/`to` of a range export: both required, with an offset, `from` before `to`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> "DateRange":
        if self.start >= self.end:
            raise ValueError("`from` must be earlier than `to`")
        return self


class ReadingRange(DateRange):
    """A range of readings, of one site on request (one of the caller's; default: all theirs)."""

    site_id: uuid.UUID | None = None
