"""NEWS2 aggregate score (Royal College of Physicians, 2017), SpO2 scale 1 only.

Pure: no I/O. Scale 2 (target SpO2 88-92 % in hypercapnic respiratory failure) is out of scope
for an outpatient infusion clinic, so it is deliberately not offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Band = Literal["low", "low_medium", "medium", "high"]

# Each chart row as (inclusive upper bound, score) pairs in ascending order plus the score above
# the last bound: the tables read like the RCP chart, so a reviewer can check them line by line.
_RR_BANDS: tuple[tuple[int, int], ...] = ((8, 3), (11, 1), (20, 0), (24, 2))
_RR_ABOVE = 3
_SPO2_BANDS: tuple[tuple[int, int], ...] = ((91, 3), (93, 2), (95, 1))
_SPO2_ABOVE = 0
_SBP_BANDS: tuple[tuple[int, int], ...] = ((90, 3), (100, 2), (110, 1), (219, 0))
_SBP_ABOVE = 3
_PULSE_BANDS: tuple[tuple[int, int], ...] = ((40, 3), (50, 1), (90, 0), (110, 1), (130, 2))
_PULSE_ABOVE = 3
# Temperature in tenths of a degree so band edges (35.0 / 35.1) are exact integers.
_TEMP_TENTHS_BANDS: tuple[tuple[int, int], ...] = ((350, 3), (360, 1), (380, 0), (390, 1))
_TEMP_TENTHS_ABOVE = 2

_ACVPU = frozenset({"A", "C", "V", "P", "U"})

# The chart's three optional rows; anything else missing is a malformed reading, not "partial".
OPTIONAL_PARAMETERS = ("respiratory_rate", "temperature_c", "consciousness")


@dataclass(frozen=True)
class News2Input:
    respiratory_rate: int | None
    spo2: int
    on_oxygen: bool | None
    systolic: int
    heart_rate: int
    consciousness: str | None
    temperature_c: float | None
    # SpO2, systolic or pulse taken from an earlier reading of a monitor (vitals.read).
    carried: tuple[str, ...] = ()


@dataclass(frozen=True)
class News2Result:
    score: int
    partial: bool
    missing: tuple[str, ...]
    carried: tuple[str, ...]
    components: dict[str, int]
    max_single: int
    band: Band

    def to_dict(self) -> dict[str, object]:
        """The wire shape in docs/architecture.md (`news2` on a session)."""
        return {
            "score": self.score,
            "partial": self.partial,
            "missing": list(self.missing),
            "carried": list(self.carried),
            "band": self.band,
            "components": dict(self.components),
        }


def _banded(value: int, bands: tuple[tuple[int, int], ...], above: int) -> int:
    for upper, score in bands:
        if value <= upper:
            return score
    return above


def score_respiratory_rate(rate: int) -> int:
    return _banded(rate, _RR_BANDS, _RR_ABOVE)


def score_spo2(spo2: int) -> int:
    return _banded(spo2, _SPO2_BANDS, _SPO2_ABOVE)


def score_air_or_oxygen(on_oxygen: bool | None) -> int:
    # Not recorded means the nurse did not start oxygen: room air is the default at the chair.
    return 2 if on_oxygen else 0


def score_systolic(systolic: int) -> int:
    return _banded(systolic, _SBP_BANDS, _SBP_ABOVE)


def score_pulse(heart_rate: int) -> int:
    return _banded(heart_rate, _PULSE_BANDS, _PULSE_ABOVE)


def score_consciousness(acvpu: str) -> int:
    if acvpu not in _ACVPU:
        raise ValueError(f"consciousness must be one of A, C, V, P, U, not {acvpu!r}")
    # New confusion (C) scores like V, P or U: the 2017 chart's main change from NEWS.
    return 0 if acvpu == "A" else 3


def temperature_tenths(temperature_c: float) -> int:
    """Temperature rounded half-up to one decimal, in tenths of a degree.

    The chart is written to one decimal; 35.05 must land in 35.1-36.0, not fall between bands.
    Decimal(str(...)) rounds the number as written, not its binary approximation.
    """
    rounded = Decimal(str(temperature_c)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return int(rounded * 10)


def score_temperature(temperature_c: float) -> int:
    return _banded(temperature_tenths(temperature_c), _TEMP_TENTHS_BANDS, _TEMP_TENTHS_ABOVE)


def band_for(score: int, max_single: int) -> Band:
    if score >= 7:
        return "high"
    if score >= 5:
        return "medium"
    if max_single >= 3:
        return "low_medium"
    return "low"


def news2(inp: News2Input) -> News2Result:
    """Score a reading. Missing optional rows score 0 and make the result `partial`, as does a
    value carried from an earlier reading."""
    components: dict[str, int] = {}
    missing: list[str] = []

    if inp.respiratory_rate is None:
        missing.append("respiratory_rate")
        components["respiratory_rate"] = 0
    else:
        components["respiratory_rate"] = score_respiratory_rate(inp.respiratory_rate)
    components["spo2"] = score_spo2(inp.spo2)
    components["on_oxygen"] = score_air_or_oxygen(inp.on_oxygen)
    components["systolic"] = score_systolic(inp.systolic)
    components["heart_rate"] = score_pulse(inp.heart_rate)
    if inp.consciousness is None:
        missing.append("consciousness")
        components["consciousness"] = 0
    else:
        components["consciousness"] = score_consciousness(inp.consciousness)
    if inp.temperature_c is None:
        missing.append("temperature_c")
        components["temperature_c"] = 0
    else:
        components["temperature_c"] = score_temperature(inp.temperature_c)

    score = sum(components.values())
    max_single = max(components.values())
    return News2Result(
        score=score,
        partial=bool(missing or inp.carried),
        missing=tuple(missing),
        carried=inp.carried,
        components=components,
        max_single=max_single,
        band=band_for(score, max_single),
    )
