"""IHE PCD-01 `ORU^R01` from a bedside monitor, read into what Vigil charts; and the ACK.

Pure functions, no I/O: `read_message(text, tz)` gives the message's identity (MSH-10, the
device, the patient's MRN) and its readings, one per observation time (OBX-14), each with only
the vitals the monitor sent; what is not charted is listed with its reason, and becomes an ERR
segment in the ACK. `ack(...)` builds the acknowledgement. Parsing is python-hl7's
(docs/devices.md says why that library).
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

import hl7

from app.devices.codes import (
    CHARTED,
    CHARTED_STATUSES,
    INVALID_FLAGS,
    NOT_PATIENT_FLAGS,
    OBSERVATIONS,
    SENTINELS,
    unit_of,
)
from app.vitals.codes import VITALS


class Refused(Exception):
    """The message cannot be read at all: answered AR, nothing stored."""

    def __init__(self, reason: str, *, code: str = "207", control_id: str = "") -> None:
        super().__init__(reason)
        self.reason, self.code, self.control_id = reason, code, control_id


@dataclass(frozen=True)
class Skipped:
    """An observation of a charted vital that was not charted, and why (an ERR segment)."""

    obx: int  # which OBX of the message (1 = the first), for the ERR's location
    code: str
    reason: str


@dataclass
class DeviceReading:
    """The vitals a monitor sent for one observation time: only those it sent."""

    taken_at: datetime
    values: dict[str, float] = field(default_factory=dict)
    # The rank of the observation each value came from (codes.Observation.rank).
    ranks: dict[str, int] = field(default_factory=dict)


@dataclass
class DeviceMessage:
    control_id: str  # MSH-10
    device_id: str  # OBX-18 / MSH-3: the monitor's identity (EUI-64 where it sends one)
    sending_app: str  # MSH-3 as sent, for the ACK's MSH-5
    sending_facility: str
    mrn: str | None  # PID-3 (the MR identifier, else the first)
    readings: list[DeviceReading]
    skipped: list[Skipped]


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""


def _component(field_: hl7.Field, n: int) -> str:
    """Component n (1-based) of the first repetition of a field; "" where absent."""
    try:
        repetition = field_[0]
    except IndexError:
        return ""
    if isinstance(repetition, str):
        return repetition.strip() if n == 1 else ""
    try:
        return _text(repetition[n - 1])
    except IndexError:
        return ""


def _field(segment: hl7.Segment, n: int) -> hl7.Field | str:
    try:
        return segment[n]
    except IndexError:
        return ""


def _comp(segment: hl7.Segment, n: int, c: int = 1) -> str:
    f = _field(segment, n)
    if isinstance(f, str):
        return f.strip() if c == 1 else ""
    return _component(f, c)


def _repetitions(segment: hl7.Segment, n: int) -> list[str]:
    f = _field(segment, n)
    if isinstance(f, str):
        return [f] if f else []
    return [_text(r) for r in f]


def _time(value: str, tz: tzinfo) -> datetime | None:
    if not value:
        return None
    try:
        parsed: datetime | None = hl7.parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    # PCD-01 asks for an offset; a monitor without one is on the clinic's clock.
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).astimezone(UTC)


def _mrn(pid: hl7.Segment | None) -> str | None:
    if pid is None:
        return None
    f = _field(pid, 3)
    if isinstance(f, str):
        return f.strip() or None
    ids = [(_text(r[0]) if not isinstance(r, str) else r, r) for r in f]
    for ident, rep in ids:
        if not isinstance(rep, str) and len(rep) >= 5 and _text(rep[4]).upper() == "MR" and ident:
            return ident
    return next((ident for ident, _rep in ids if ident), None)


def _device_of(msh: hl7.Segment) -> str:
    """MSH-3's universal id (the EUI-64 in PCD-01), else its namespace."""
    return _comp(msh, 3, 2) or _comp(msh, 3, 1)


def _segments(message: hl7.Message, name: str) -> list[hl7.Segment]:
    return [s for s in message if _text(s[0]) == name]


def _value(obx: hl7.Segment) -> float | None:
    raw = _comp(obx, 5)
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _observe(
    ordinal: int, obx: hl7.Segment, default_at: datetime | None, tz: tzinfo
) -> tuple[str, float, datetime, int] | Skipped | None:
    """(field, value in Vigil's unit, time, rank), a Skipped, or None for what Vigil does not
    chart at all (the other parameters, the device hierarchy's channel rows)."""
    code, name = _comp(obx, 3, 1), _comp(obx, 3, 2)
    observation = OBSERVATIONS.get(code)
    if observation is None:
        return None
    if name.upper() != observation.name:
        return Skipped(ordinal, code, f"code {code} is {observation.name}, not {name or '?'}")
    status = _comp(obx, 11).upper()
    if status not in CHARTED_STATUSES:
        return Skipped(ordinal, code, f"result status {status} carries no value")
    flags = {f.upper() for f in _repetitions(obx, 8)}
    if flags & NOT_PATIENT_FLAGS:
        return Skipped(ordinal, code, "demonstration or test data, not the patient's")
    if flags & INVALID_FLAGS:
        return Skipped(ordinal, code, "the monitor flags the value as not valid")
    value = _value(obx)
    if value is None:
        return Skipped(ordinal, code, "no numeric value")
    if value in SENTINELS:
        return Skipped(ordinal, code, f"{value:g} means no measurement")
    unit = unit_of(observation, _comp(obx, 6, 1), _comp(obx, 6, 2), _comp(obx, 6, 1))
    if unit is None:
        return Skipped(ordinal, code, f"unit {_comp(obx, 6, 2) or _comp(obx, 6, 1)!r} unknown")
    at = _time(_comp(obx, 14), tz) or default_at
    if at is None:
        return Skipped(ordinal, code, "no observation time (OBX-14, OBR-7 or MSH-7)")
    value = value * unit.scale + unit.offset
    if observation.field in VITALS:
        vital = VITALS[observation.field]
        if not vital.low <= value <= vital.high:
            return Skipped(ordinal, code, f"{value:g} is outside {vital.low:g}-{vital.high:g}")
    return observation.field, value, at, observation.rank


def read_message(text: str, tz: tzinfo = UTC) -> DeviceMessage:
    """Read a PCD-01 message; `Refused` when it cannot be read or is not an ORU^R01."""
    try:
        message = hl7.parse(text.replace("\n", "\r").strip("\r"))
        msh = message.segment("MSH")
    except (KeyError, IndexError, ValueError, hl7.ParseException):
        raise Refused("not an HL7 v2 message (no MSH segment)", code="100") from None
    control_id = _text(_field(msh, 10))
    if not control_id:
        raise Refused("MSH-10 (message control id) is required", code="101")
    kind = f"{_comp(msh, 9, 1)}^{_comp(msh, 9, 2)}"
    if kind != "ORU^R01":
        raise Refused(f"{kind} is not accepted (only ORU^R01)", code="200", control_id=control_id)
    pid = next(iter(_segments(message, "PID")), None)
    equipment = (_comp(s, 18) for s in _segments(message, "OBX"))
    device = next((e for e in equipment if e), "") or _device_of(msh)
    if not device:
        raise Refused("no device identity (MSH-3 or OBX-18)", code="101", control_id=control_id)
    msh_at = _time(_text(_field(msh, 7)), tz)
    readings: dict[datetime, DeviceReading] = {}
    skipped: list[Skipped] = []
    obr_at = msh_at
    ordinal = 0
    for segment in message:
        kind = _text(segment[0])
        if kind == "OBR":
            obr_at = _time(_comp(segment, 7), tz) or msh_at
        if kind != "OBX":
            continue
        ordinal += 1
        seen = _observe(ordinal, segment, obr_at, tz)
        if seen is None:
            continue
        if isinstance(seen, Skipped):
            skipped.append(seen)
            continue
        name, value, at, rank = seen
        reading = readings.setdefault(at, DeviceReading(at))
        if name not in reading.values or rank < reading.ranks[name]:
            reading.values[name], reading.ranks[name] = value, rank
    charted = [r for r in readings.values() if any(k in CHARTED for k in r.values)]
    return DeviceMessage(
        control_id=control_id,
        device_id=device,
        sending_app=_text(_field(msh, 3)),
        sending_facility=_text(_field(msh, 4)),
        mrn=_mrn(pid),
        readings=sorted(charted, key=lambda r: r.taken_at),
        skipped=skipped,
    )


def _escape(value: str) -> str:
    """HL7 escapes for text placed in a field."""
    for char, escape in (
        ("\\", "\\E\\"),
        ("|", "\\F\\"),
        ("^", "\\S\\"),
        ("&", "\\T\\"),
        ("~", "\\R\\"),
    ):
        value = value.replace(char, escape)
    return value.replace("\r", " ").replace("\n", " ")


@dataclass(frozen=True)
class AckError:
    code: str  # HL7 table 0357
    text: str
    severity: str = "E"  # E error, W warning (HL7 table 0516)
    location: str = ""  # ERR-2: segment^position


ERROR_NAMES = {
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "200": "Unsupported message type",
    "204": "Unknown key identifier",
    "207": "Application internal error",
}


def ack(
    *,
    code: str,
    control_id: str,
    ack_id: str,
    receiving_app: str,
    receiving_facility: str,
    now: datetime,
    errors: list[AckError],
) -> str:
    """An HL7 v2.6 ACK: MSA-1 `AA`/`AE`/`AR` for `control_id`, one ERR per error."""
    stamp = now.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")
    segments = [
        f"MSH|^~\\&|VIGIL|VIGIL|{receiving_app}|{receiving_facility}|{stamp}||ACK^R01^ACK"
        f"|{_escape(ack_id)}|P|2.6",
        f"MSA|{code}|{_escape(control_id)}",
    ]
    for error in errors:
        name = ERROR_NAMES.get(error.code, "Application error")
        segments.append(
            f"ERR||{error.location}|{error.code}^{name}^HL70357|{error.severity}"
            f"||||{_escape(error.text)}"
        )
    return "\r".join(segments) + "\r"
