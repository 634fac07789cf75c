import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from app.vitals.codes import UNIT_TEXT, VITALS, Source, range_message

ReadingStatus = Literal["final", "amended", "entered_in_error"]


def _in_range(field: str) -> AfterValidator:
    vital = VITALS[field]

    def check(value: float) -> float:
        if not vital.low <= value <= vital.high:
            raise ValueError(f"{range_message(field)}; got {value:g}")
        return value

    return AfterValidator(check)


@dataclass(frozen=True)
class _Contract:
    """Writes a vital's range (and where confirmation starts) into the OpenAPI schema, so the
    tablet checks the same limits before sending (the check itself stays `_in_range`'s), and its
    labels and unit, so the dashboard names it as alert messages and exports do."""

    field: str

    def __get_pydantic_json_schema__(
        self, core: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core)
        vital = VITALS[self.field]
        schema.update(minimum=vital.low, maximum=vital.high)
        schema.update(
            {"x-label": vital.label, "x-name": vital.name, "x-unit": UNIT_TEXT[vital.unit]}
        )
        if vital.confirm_below is not None:
            schema["x-confirm-below"] = vital.confirm_below
        return schema


HeartRate = Annotated[int, _in_range("heart_rate"), _Contract("heart_rate")]
Systolic = Annotated[int, _in_range("systolic"), _Contract("systolic")]
Diastolic = Annotated[int, _in_range("diastolic"), _Contract("diastolic")]
SpO2 = Annotated[int, _in_range("spo2"), _Contract("spo2")]
RespRate = Annotated[int, _in_range("respiratory_rate"), _Contract("respiratory_rate")]
Temperature = Annotated[float, _in_range("temperature_c"), _Contract("temperature_c")]
Rass = Annotated[int, _in_range("sedation_rass"), _Contract("sedation_rass")]
Cadss = Annotated[int, _in_range("dissociation_cadss6"), _Contract("dissociation_cadss6")]
Acvpu = Literal["A", "C", "V", "P", "U"]


def _check_bp(systolic: int | None, diastolic: int | None) -> None:
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        raise ValueError(
            f"Diastolic pressure ({diastolic}) must be lower than systolic ({systolic})"
        )


class ReadingIn(BaseModel):
    """Units are fixed (see vitals/codes.py); unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")

    taken_at: AwareDatetime
    heart_rate: HeartRate
    systolic: Systolic
    diastolic: Diastolic
    spo2: SpO2
    respiratory_rate: RespRate | None = None
    temperature_c: Temperature | None = None
    on_oxygen: bool | None = None
    consciousness: Acvpu | None = None
    sedation_rass: Rass | None = None
    dissociation_cadss6: Cadss | None = None
    note: str | None = Field(default=None, max_length=2000)
    late_reason: str | None = Field(
        default=None,
        min_length=3,
        max_length=2000,
        description="Why a reading for an ended session is entered late (required then only)",
    )
    confirm_value: bool = Field(
        default=False,
        description="The nurse confirms a value implausible for a conscious patient "
        "(below the field's x-confirm-below); without it such a value is refused with 422",
    )

    @field_validator("diastolic")
    @classmethod
    def _bp(cls, diastolic: int, info: ValidationInfo) -> int:
        # A field validator, so the 422 names `diastolic` (systolic is validated before it).
        _check_bp(info.data.get("systolic"), diastolic)
        return diastolic


class DeviceReadingIn(ReadingIn):
    """What a monitor sent for one observation time: only the vitals it measured (the plan
    checks `codes.missing_vitals`). Never a request body: the device feed builds it."""

    heart_rate: HeartRate | None = None  # type: ignore[assignment]
    systolic: Systolic | None = None  # type: ignore[assignment]
    diastolic: Diastolic | None = None  # type: ignore[assignment]
    spo2: SpO2 | None = None  # type: ignore[assignment]


class ReadingAmend(BaseModel):
    """The corrected fields; the others are carried over from the amended reading."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)
    id: uuid.UUID | None = Field(
        default=None, description="Client UUID for the correction, so a retry is not doubled"
    )
    taken_at: AwareDatetime | None = None
    heart_rate: HeartRate | None = None
    systolic: Systolic | None = None
    diastolic: Diastolic | None = None
    spo2: SpO2 | None = None
    respiratory_rate: RespRate | None = None
    temperature_c: Temperature | None = None
    on_oxygen: bool | None = None
    consciousness: Acvpu | None = None
    sedation_rass: Rass | None = None
    dissociation_cadss6: Cadss | None = None
    note: str | None = Field(default=None, max_length=2000)
    confirm_value: bool = Field(
        default=False,
        description="The nurse confirms a value implausible for a conscious patient "
        "(below the field's x-confirm-below); without it such a value is refused with 422",
    )


class EnteredInError(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)


# A nurse reviews what the screen showed her; a monitor sends a reading each 5 s, so an hour's
# infusion is at most 720 of them.
MAX_REVIEW = 1000


class ReadingReview(BaseModel):
    """Monitor readings a nurse checked at the chair, as one tap: validate them all, or reject
    them all with the reason (the probe was off the finger, the cuff was moved)."""

    model_config = ConfigDict(extra="forbid")

    reading_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_REVIEW)
    outcome: Literal["validated", "rejected"]
    reason: str | None = Field(
        default=None, min_length=3, max_length=2000, description="Required to reject"
    )

    @model_validator(mode="after")
    def _reason_to_reject(self) -> "ReadingReview":
        if self.outcome == "rejected" and self.reason is None:
            raise ValueError("Give the reason these monitor readings are rejected.")
        return self


class ReadingOut(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    taken_at: datetime
    recorded_at: datetime
    recorded_by: uuid.UUID
    phase: str
    source: Source = Field(description="manual: a nurse entered it; device: a monitor sent it")
    device_id: str | None = Field(description="The monitor that sent it (device readings)")
    heart_rate: int | None = Field(description="null only in a device reading without it")
    systolic: int | None
    diastolic: int | None
    spo2: int | None
    respiratory_rate: int | None
    temperature_c: float | None
    on_oxygen: bool | None
    consciousness: Acvpu | None
    sedation_rass: int | None
    dissociation_cadss6: int | None
    note: str | None
    late_reason: str | None = Field(
        description="Set when the reading was entered after the session ended (a late entry)"
    )
    is_baseline: bool
    complete: bool = Field(
        description="Holds every vital a nurse's entry requires; a monitor's partial set does "
        "not, and cannot be chosen as the baseline"
    )
    amends: uuid.UUID | None
    amend_reason: str | None
    amended_by: uuid.UUID | None = Field(description="The reading that corrects this one")
    status: ReadingStatus
    error_reason: str | None
    validated_at: datetime | None = Field(
        description="When a nurse validated this monitor reading (device readings only)"
    )
    validated_by: uuid.UUID | None
    validated_by_name: str | None = Field(description="The validating nurse")


class BaselineChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)
    confirm_value: bool = Field(
        default=False, description="The nurse confirms a value implausible for a conscious patient"
    )


class OutboxDiscard(BaseModel):
    """A reading the server refused, which the nurse discards from her tablet instead of fixing."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)
    refused_with: int = Field(ge=400, le=499, description="The HTTP status the server answered")
    refusal: str = Field(max_length=2000, description="The server's message, as shown")
