"""NEWS2 (RCP 2017, SpO2 scale 1) against the chart, edge by edge."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.alerts.news2 import (
    News2Input,
    band_for,
    news2,
    score_air_or_oxygen,
    score_consciousness,
    score_pulse,
    score_respiratory_rate,
    score_spo2,
    score_systolic,
    score_temperature,
)

# A well adult at the chair: every parameter scores 0.
WELL = News2Input(
    respiratory_rate=16,
    spo2=98,
    on_oxygen=False,
    systolic=124,
    heart_rate=72,
    consciousness="A",
    temperature_c=36.8,
)


# Each chart edge with the values either side: (value, expected score).
RR_CASES = [
    (0, 3), (7, 3), (8, 3), (9, 1), (10, 1), (11, 1), (12, 0), (13, 0),
    (19, 0), (20, 0), (21, 2), (22, 2), (23, 2), (24, 2), (25, 3), (26, 3), (60, 3),
]  # fmt: skip
SPO2_CASES = [
    (70, 3), (90, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (97, 0), (100, 0),
]  # fmt: skip
SBP_CASES = [
    (60, 3), (89, 3), (90, 3), (91, 2), (99, 2), (100, 2), (101, 1), (109, 1), (110, 1),
    (111, 0), (112, 0), (218, 0), (219, 0), (220, 3), (221, 3), (260, 3),
]  # fmt: skip
PULSE_CASES = [
    (30, 3), (39, 3), (40, 3), (41, 1), (49, 1), (50, 1), (51, 0), (52, 0), (89, 0), (90, 0),
    (91, 1), (109, 1), (110, 1), (111, 2), (129, 2), (130, 2), (131, 3), (132, 3), (180, 3),
]  # fmt: skip
TEMP_CASES = [
    (34.0, 3), (34.9, 3), (35.0, 3), (35.04, 3), (35.05, 1), (35.1, 1), (35.2, 1),
    (35.9, 1), (36.0, 1), (36.04, 1), (36.05, 0), (36.1, 0), (36.2, 0),
    (37.9, 0), (38.0, 0), (38.04, 0), (38.05, 1), (38.1, 1), (38.2, 1),
    (38.9, 1), (39.0, 1), (39.04, 1), (39.05, 2), (39.1, 2), (39.2, 2), (41.0, 2),
]  # fmt: skip


@pytest.mark.parametrize(("rate", "expected"), RR_CASES)
def test_respiratory_rate_bands(rate: int, expected: int) -> None:
    assert score_respiratory_rate(rate) == expected
    assert news2(replace(WELL, respiratory_rate=rate)).components["respiratory_rate"] == expected


@pytest.mark.parametrize(("spo2", "expected"), SPO2_CASES)
def test_spo2_scale_1_bands(spo2: int, expected: int) -> None:
    assert score_spo2(spo2) == expected
    assert news2(replace(WELL, spo2=spo2)).components["spo2"] == expected


@pytest.mark.parametrize(
    ("on_oxygen", "expected"),
    [(True, 2), (False, 0), (None, 0)],
)
def test_air_or_oxygen(on_oxygen: bool | None, expected: int) -> None:
    assert score_air_or_oxygen(on_oxygen) == expected
    result = news2(replace(WELL, on_oxygen=on_oxygen))
    assert result.components["on_oxygen"] == expected
    # Not recorded means room air, not a missing row.
    assert not result.partial


@pytest.mark.parametrize(("systolic", "expected"), SBP_CASES)
def test_systolic_bands(systolic: int, expected: int) -> None:
    assert score_systolic(systolic) == expected
    assert news2(replace(WELL, systolic=systolic)).components["systolic"] == expected


@pytest.mark.parametrize(("heart_rate", "expected"), PULSE_CASES)
def test_pulse_bands(heart_rate: int, expected: int) -> None:
    assert score_pulse(heart_rate) == expected
    assert news2(replace(WELL, heart_rate=heart_rate)).components["heart_rate"] == expected


@pytest.mark.parametrize(
    ("acvpu", "expected"),
    [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3)],
)
def test_consciousness(acvpu: str, expected: int) -> None:
    assert score_consciousness(acvpu) == expected
    assert news2(replace(WELL, consciousness=acvpu)).components["consciousness"] == expected


@pytest.mark.parametrize("bad", ["", "a", "X", "Alert", "GCS 15"])
def test_consciousness_rejects_non_acvpu(bad: str) -> None:
    with pytest.raises(ValueError, match="A, C, V, P, U"):
        score_consciousness(bad)


@pytest.mark.parametrize(("temperature", "expected"), TEMP_CASES)
def test_temperature_bands_round_to_one_decimal(temperature: float, expected: int) -> None:
    assert score_temperature(temperature) == expected
    assert news2(replace(WELL, temperature_c=temperature)).components["temperature_c"] == expected


def test_well_patient_scores_zero_and_is_complete() -> None:
    result = news2(WELL)
    assert result.score == 0
    assert result.max_single == 0
    assert result.band == "low"
    assert not result.partial
    assert result.missing == ()
    assert set(result.components) == {
        "respiratory_rate", "spo2", "on_oxygen", "systolic", "heart_rate",
        "consciousness", "temperature_c",
    }  # fmt: skip


@pytest.mark.parametrize(
    "missing",
    [
        ("respiratory_rate",),
        ("temperature_c",),
        ("consciousness",),
        ("respiratory_rate", "consciousness", "temperature_c"),
    ],
)
def test_missing_optional_rows_score_zero_and_mark_partial(missing: tuple[str, ...]) -> None:
    # A sick patient, so "scores zero" is visible against what the rows would have scored.
    sick = replace(WELL, respiratory_rate=26, consciousness="V", temperature_c=39.5)
    would_score = {"respiratory_rate": 3, "consciousness": 3, "temperature_c": 2}
    result = news2(
        replace(
            sick,
            respiratory_rate=None if "respiratory_rate" in missing else sick.respiratory_rate,
            consciousness=None if "consciousness" in missing else sick.consciousness,
            temperature_c=None if "temperature_c" in missing else sick.temperature_c,
        )
    )
    assert result.partial
    assert result.missing == missing
    for name in missing:
        assert result.components[name] == 0
    assert result.score == sum(would_score.values()) - sum(would_score[n] for n in missing)


@pytest.mark.parametrize(
    ("score", "max_single", "band"),
    [
        (0, 0, "low"),
        (4, 2, "low"),
        (3, 3, "low_medium"),
        (4, 3, "low_medium"),
        (5, 2, "medium"),
        (5, 3, "medium"),
        (6, 3, "medium"),
        (7, 2, "high"),
        (7, 3, "high"),
        (12, 3, "high"),
    ],
)
def test_band_logic(score: int, max_single: int, band: str) -> None:
    assert band_for(score, max_single) == band


# Whole patients, scored by hand from the RCP chart.
PATIENTS = [
    pytest.param(
        # Post-infusion, drowsy but rousable to voice, slow breathing on room air.
        News2Input(10, 96, False, 112, 58, "V", 36.2),
        1 + 0 + 0 + 0 + 0 + 3 + 0,
        "low_medium",
        id="sedated-slow-breathing",
    ),
    pytest.param(
        # Ketamine hypertensive response with tachycardia, otherwise well.
        News2Input(18, 97, False, 224, 118, "A", 36.9),
        0 + 0 + 0 + 3 + 2 + 0 + 0,
        "medium",
        id="hypertensive-tachycardic",
    ),
    pytest.param(
        # Respiratory depression on oxygen.
        News2Input(7, 90, True, 95, 125, "P", 35.0),
        3 + 3 + 2 + 2 + 2 + 3 + 3,
        "high",
        id="respiratory-depression-on-o2",
    ),
    pytest.param(
        # Mild tachypnoea and fever.
        News2Input(22, 95, False, 118, 96, "A", 38.4),
        2 + 1 + 0 + 0 + 1 + 0 + 1,
        "medium",
        id="febrile-tachypnoeic",
    ),
    pytest.param(
        News2Input(None, 92, True, 112, 104, "A", None),
        0 + 2 + 2 + 0 + 1 + 0 + 0,
        "medium",
        id="partial-on-oxygen",
    ),
]


@pytest.mark.parametrize(("inp", "score", "band"), PATIENTS)
def test_whole_patients(inp: News2Input, score: int, band: str) -> None:
    result = news2(inp)
    assert result.score == score
    assert result.band == band
    assert result.score == sum(result.components.values())
    assert result.max_single == max(result.components.values())


def test_to_dict_is_the_wire_shape() -> None:
    result = news2(replace(WELL, respiratory_rate=None, spo2=93))
    assert result.to_dict() == {
        "score": 2,
        "partial": True,
        "missing": ["respiratory_rate"],
        "carried": [],
        "band": "low",
        "components": {
            "respiratory_rate": 0, "spo2": 2, "on_oxygen": 0, "systolic": 0,
            "heart_rate": 0, "consciousness": 0, "temperature_c": 0,
        },
    }  # fmt: skip
