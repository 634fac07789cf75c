"""Per vital: label, UCUM unit, LOINC code and the plausible range (DESIGN §2).

The one table of vital labels and units: alert messages, exports and (through the OpenAPI
contract, see `app/vitals/schemas.py`) the dashboard's tiles, charts and forms all read it.
The ranges reject only the impossible; dangerous but possible values are accepted and alerted on.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Vital:
    field: str
    label: str  # short: tiles, charts, alert messages ("SpO₂ 89 ≤ 90")
    name: str  # in words: form fields
    unit: str  # UCUM
    loinc: str | None
    display: str  # LOINC's
    low: float
    high: float
    # Below this a value is possible but implausible for a conscious patient (a probe off, a
    # typo): the nurse confirms it explicitly and it is never chosen as baseline on its own.
    confirm_below: float | None = None


VITALS: dict[str, Vital] = {
    v.field: v
    for v in (
        Vital("heart_rate", "HR", "Heart rate", "/min", "8867-4", "Heart rate", 0, 300, 30),
        Vital(
            "systolic",
            "SBP",
            "Systolic BP",
            "mm[Hg]",
            "8480-6",
            "Systolic blood pressure",
            0,
            300,
            70,
        ),
        Vital(
            "diastolic",
            "DBP",
            "Diastolic BP",
            "mm[Hg]",
            "8462-4",
            "Diastolic blood pressure",
            0,
            300,
        ),
        Vital(
            "spo2",
            "SpO₂",
            "SpO₂",
            "%",
            "59408-5",
            "Oxygen saturation by pulse oximetry",
            0,
            100,
            70,
        ),
        Vital(
            "respiratory_rate",
            "RR",
            "Respiratory rate",
            "/min",
            "9279-1",
            "Respiratory rate",
            0,
            80,
        ),
        Vital("temperature_c", "Temp", "Temperature", "Cel", "8310-5", "Body temperature", 25, 45),
        Vital(
            "sedation_rass",
            "RASS",
            "Sedation",
            "{score}",
            None,
            "Richmond Agitation-Sedation Scale",
            -5,
            4,
        ),
        Vital(
            "dissociation_cadss6",
            "CADSS-6",
            "Dissociation",
            "{score}",
            None,
            "CADSS-6 dissociation",
            0,
            24,
        ),
    )
}
BP_PANEL_LOINC = "85354-9"
SPO2_ALT_LOINC = "2708-6"
WEIGHT_LOINC = "29463-7"
UNIT_TEXT = {"/min": "/min", "mm[Hg]": "mmHg", "%": "%", "Cel": "°C", "{score}": ""}


def range_message(field: str) -> str:
    v = VITALS[field]
    unit = UNIT_TEXT[v.unit]
    return f"{v.display} must be between {v.low:g} and {v.high:g}{' ' + unit if unit else ''}"


def implausible(values: Mapping[str, object]) -> list[str]:
    """The fields whose value is below its `confirm_below` (DESIGN §2)."""
    out = []
    for v in VITALS.values():
        x = values.get(v.field)
        if v.confirm_below is not None and isinstance(x, int | float) and x < v.confirm_below:
            out.append(v.field)
    return out


def unconfirmed_message(field: str, value: object) -> str:
    """What the nurse is told when she sends an implausible value without confirming it."""
    v = VITALS[field]
    unit = UNIT_TEXT[v.unit]
    return (
        f"{v.name} {value}{' ' + unit if unit else ''} is implausible for a conscious patient "
        f"(below {v.confirm_below:g}); re-measure, or confirm the value to save it."
    )


# The vitals a nurse must enter in every reading; a monitor's reading holds what it measured
# (SpO2 and pulse every few seconds, a blood pressure when the cuff cycles), at least one vital.
REQUIRED = ("heart_rate", "systolic", "diastolic", "spo2")
# What a monitor measures, and what the tile shows the last value of, each with its time.
MEASURED = (*REQUIRED, "respiratory_rate", "temperature_c")
Source = Literal["manual", "device"]


def missing_vitals(values: Mapping[str, object], source: Source) -> list[str]:
    """What a reading from `source` lacks to be charted ([] when it may be): the one rule for
    which sets are complete enough, for nurse entry and the device feed alike."""
    if source == "manual":
        return [f for f in REQUIRED if values.get(f) is None]
    return [] if any(values.get(f) is not None for f in MEASURED) else ["vital sign"]


def bp_text(systolic: int | None, diastolic: int | None) -> str:
    """A blood pressure as charted; "" when the reading has none (a monitor's SpO2 alone)."""
    return "" if systolic is None or diastolic is None else f"{systolic}/{diastolic}"


def summary(
    heart_rate: int | None, systolic: int | None, diastolic: int | None, spo2: int | None
) -> str:
    """The core vitals of a reading in one line, leaving out what it does not hold."""
    parts = [
        (VITALS["heart_rate"].label, heart_rate),
        ("BP", bp_text(systolic, diastolic) or None),
        (VITALS["spo2"].label, spo2),
    ]
    return ", ".join(f"{label} {value}" for label, value in parts if value is not None)
