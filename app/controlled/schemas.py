import uuid
from datetime import date, datetime
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from app.controlled.ledger import Act, EntryKind, LossCause


class WitnessIn(BaseModel):
    """The witness signs on the same device: their own username and password, typed again."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Amount(BaseModel):
    """An amount in mL or in mg (exactly one); mg are converted at the container's strength."""

    model_config = ConfigDict(extra="forbid")

    amount_ml: float | None = Field(default=None, gt=0, le=1000)
    amount_mg: float | None = Field(default=None, gt=0, le=100000)

    @model_validator(mode="after")
    def _one_unit(self) -> Self:
        if (self.amount_ml is None) == (self.amount_mg is None):
            raise ValueError("Give the amount either in mL or in mg.")
        return self


class ReceiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: uuid.UUID
    drug: str = Field(default="ketamine", min_length=1, max_length=64)
    ndc: str = Field(min_length=10, max_length=16, pattern=r"^[0-9]{4,5}-?[0-9]{3,4}-?[0-9]{1,2}$")
    concentration_mg_per_ml: float = Field(gt=0, le=500)
    volume_ml: float = Field(gt=0, le=1000)
    lot: str = Field(min_length=1, max_length=64)
    expiry: date
    supplier: str = Field(min_length=1, max_length=200)
    invoice: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=200, description="Containers received (vials)")
    received_at: AwareDatetime | None = Field(default=None, description="Default now")
    witness: WitnessIn


class DrawIn(Amount):
    container_id: uuid.UUID
    session_id: uuid.UUID
    at: AwareDatetime | None = Field(default=None, description="Default now")


class WasteIn(Amount):
    witness: WitnessIn
    at: AwareDatetime | None = None
    reason: str | None = Field(default=None, max_length=500)


class LossIn(Amount):
    """Breakage, spill or theft: the data of a DEA Form 106."""

    cause: LossCause
    reason: str = Field(min_length=3, max_length=2000, description="What happened")
    discovered_at: AwareDatetime | None = Field(default=None, description="Default now")
    witness: WitnessIn


class DestroyIn(BaseModel):
    """Expired or unwanted stock destroyed before two witnesses: the data of a DEA Form 41."""

    model_config = ConfigDict(extra="forbid")

    method: str = Field(min_length=3, max_length=500, description="How it was destroyed")
    witnesses: list[WitnessIn] = Field(min_length=2, max_length=2)


class CountLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    container_id: uuid.UUID
    counted_ml: float = Field(ge=0, le=1000)


class CountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: uuid.UUID
    period: Literal["start", "end"]
    counts: list[CountLine] = Field(min_length=1, max_length=500)
    witness: WitnessIn


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)
    accept_count: bool = Field(
        description="True: the count stands and the balance is adjusted to it (a loss or a gain);"
        " false: the computed balance stands (the count was wrong)."
    )


class CorrectIn(Amount):
    reason: str = Field(min_length=3, max_length=2000)
    witness: WitnessIn | None = Field(
        default=None, description="Needed when the corrected entry had a witness"
    )


class ContainerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    site_id: uuid.UUID
    label: str
    drug: str
    ndc: str
    concentration_mg_per_ml: float
    volume_ml: float
    lot: str
    expiry: date
    supplier: str
    invoice: str
    received_at: datetime
    balance_ml: float
    balance_mg: float


class EntryOut(BaseModel):
    id: int
    site_id: uuid.UUID
    container_id: uuid.UUID
    container_label: str
    kind: EntryKind
    at: datetime
    recorded_at: datetime
    by: uuid.UUID
    by_name: str
    witness_id: uuid.UUID | None
    witness_name: str | None
    session_id: uuid.UUID | None
    amount_ml: float
    amount_mg: float
    expected_ml: float | None
    refers_to: int | None
    period: str | None
    reason: str | None
    cause: str | None
    second_witness_id: uuid.UUID | None
    second_witness_name: str | None
    change_ml: float = Field(description="What the entry did to the container's balance")
    balance_ml: float = Field(description="The container's balance after the entry")
    balance_mg: float
    superseded: bool = Field(description="A later correction replaced this entry's amount")
    left_ml: float | None = Field(description="For a draw: what is left of it to give or waste")


class Discrepancy(BaseModel):
    count_entry_id: int
    site_id: uuid.UUID
    container_id: uuid.UUID
    container_label: str
    counted_at: datetime
    counted_ml: float
    expected_ml: float
    difference_ml: float
    difference_mg: float


class CountOut(BaseModel):
    entries: list[EntryOut]
    discrepancies: list[Discrepancy]


class LogCheck(BaseModel):
    ok: bool
    checked: int
    first_bad_id: int | None
    message: str


class RoleLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    act: Act
    roles: list[Literal["nurse", "physician", "admin"]] = Field(max_length=3)


class WitnessOption(BaseModel):
    username: str
    display_name: str
    role: str


class AsOf(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: AwareDatetime | None = Field(
        default=None, description="Balances as they stood at this moment (default now)"
    )


class ReportRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("The end of the range must come after its start.")
        return self
