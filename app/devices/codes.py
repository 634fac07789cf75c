"""Which monitor observations Vigil charts: ISO/IEEE 11073-10101 (MDC) codes in OBX-3, their
units in OBX-6, and the quirks of the vendors we have seen (docs/devices.md).

An observation is charted only when its code *and* its name agree with this table: a code alone
is not enough. GE's public sample gateway messages reuse 150456 (SpO2) for end-tidal CO2
(`150456^MDC_CO2_ET`) and 150457 for the pleth pulse rate; matched on the code alone, an EtCO2
of 35 mmHg would be charted as an SpO2 of 35 %.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    code: str  # MDC dimension code, e.g. 266016
    name: str  # MDC_DIM_MMHG
    # What gateways write instead of the MDC pair (UCUM or plain text), matched case-blind.
    texts: tuple[str, ...]
    # To Vigil's unit (vitals/codes.py): value * scale + offset.
    scale: float = 1.0
    offset: float = 0.0


PERCENT = Unit("262688", "MDC_DIM_PERCENT", ("%",))
BEATS = Unit("264864", "MDC_DIM_BEAT_PER_MIN", ("/min", "bpm", "{beats}/min", "1/min"))
BREATHS = Unit("264928", "MDC_DIM_RESP_PER_MIN", ("/min", "rpm", "{breaths}/min", "1/min"))
MMHG = Unit("266016", "MDC_DIM_MMHG", ("mm[Hg]", "mmhg"))
CELSIUS = Unit("268192", "MDC_DIM_DEGC", ("Cel", "°C", "degc"))
FAHRENHEIT = Unit("266560", "MDC_DIM_FAHR", ("[degF]", "°F", "degf"), 5 / 9, -32 * 5 / 9)


@dataclass(frozen=True)
class Observation:
    code: str
    name: str
    field: str  # the reading field it fills
    units: tuple[Unit, ...]
    # When two observations fill the same field in one reading, the lower rank wins: the ECG
    # heart rate is the heart rate, the pleth pulse rate stands in only when there is no ECG.
    rank: int = 0


OBSERVATIONS: dict[str, Observation] = {
    o.code: o
    for o in (
        Observation("150456", "MDC_PULS_OXIM_SAT_O2", "spo2", (PERCENT,)),
        Observation("147842", "MDC_ECG_HEART_RATE", "heart_rate", (BEATS,)),
        Observation("149530", "MDC_PULS_OXIM_PULS_RATE", "heart_rate", (BEATS,), rank=1),
        # Non-invasive blood pressure: the IHE PCD codes, and the cuff codes Mindray sends.
        Observation("150021", "MDC_PRESS_BLD_NONINV_SYS", "systolic", (MMHG,)),
        Observation("150022", "MDC_PRESS_BLD_NONINV_DIA", "diastolic", (MMHG,)),
        Observation("150023", "MDC_PRESS_BLD_NONINV_MEAN", "mean_pressure", (MMHG,)),
        Observation("150301", "MDC_PRESS_CUFF_SYS", "systolic", (MMHG,)),
        Observation("150302", "MDC_PRESS_CUFF_DIA", "diastolic", (MMHG,)),
        Observation("150303", "MDC_PRESS_CUFF_MEAN", "mean_pressure", (MMHG,)),
        # Some monitors send the respiration rate in beats per minute (GE's ECG-derived rate).
        Observation("151562", "MDC_RESP_RATE", "respiratory_rate", (BREATHS, BEATS)),
        Observation("150344", "MDC_TEMP", "temperature_c", (CELSIUS, FAHRENHEIT)),
    )
}

# Fields a reading holds; the mean pressure is read (it names a complete NIBP cycle) but the
# reading model has no column for it.
CHARTED = ("heart_rate", "systolic", "diastolic", "spo2", "respiratory_rate", "temperature_c")

# Values monitors send for "no measurement" (probe off, cuff cycle not done): Mindray and Comen
# send -100, several gateways -999. Never charted, whatever the field's plausible range says.
SENTINELS = frozenset({-100.0, -999.0, -9999.0})

# OBX-11 result statuses (HL7 table 0085) that carry a value. Monitors commonly send R
# (results not verified), which device data is until a nurse validates it; F is final, C a
# correction. X (no result), D (delete), W (wrong: withdrawn) and the others carry none.
CHARTED_STATUSES = frozenset({"F", "R", "C", ""})

# OBX-8 flags (IHE PCD TF-2, measurement status) that say the value is not the patient's:
# a monitor in demonstration mode or test mode generates its numbers.
NOT_PATIENT_FLAGS = frozenset({"DEMO", "DEMO-DATA", "TEST", "TEST-DATA"})
# Flags the monitor sets when it does not trust the number itself.
INVALID_FLAGS = frozenset({"INVALID", "QUESTIONABLE", "NOT-AVAILABLE", "CALIBRATION-ONGOING"})


def unit_of(observation: Observation, code: str, name: str, text: str) -> Unit | None:
    """The unit OBX-6 names, if it is one this observation may be in."""
    for unit in observation.units:
        if code == unit.code or name.upper() == unit.name:
            return unit
        if text.lower() in (t.lower() for t in unit.texts):
            return unit
    return None
