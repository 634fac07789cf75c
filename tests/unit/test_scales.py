"""Scoring and bands of PHQ-9, GAD-7 and PCL-5 against the instruments' published definitions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.courses.scales import GAD7, PCL5, PHQ9, SCALES, outcome, score, validate_answers


def answers_summing(n_items: int, top: int, total: int) -> list[int]:
    out = []
    for _ in range(n_items):
        take = min(top, total)
        out.append(take)
        total -= take
    assert total == 0
    return out


def test_the_instruments_have_their_published_shape() -> None:
    assert (len(PHQ9.items), len(PHQ9.options), PHQ9.max_total) == (9, 4, 27)
    assert (len(GAD7.items), len(GAD7.options), GAD7.max_total) == (7, 4, 21)
    assert (len(PCL5.items), len(PCL5.options), PCL5.max_total) == (20, 5, 80)
    assert PHQ9.items[8].startswith("Thoughts that you would be better off dead")
    assert PCL5.options[2] == "Moderately"
    assert (PHQ9.loinc_total, GAD7.loinc_total, PCL5.loinc_total) == (
        "44261-6",
        "70274-6",
        "101698-9",
    )


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands(total: int, band: str) -> None:
    # Item 9 last and zero where possible, so the band is judged apart from the safety flag.
    answers = answers_summing(9, 3, total)
    assert score(PHQ9, answers).total == total
    assert score(PHQ9, answers).band == band


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands(total: int, band: str) -> None:
    assert score(GAD7, answers_summing(7, 3, total)).band == band


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "below the provisional PTSD cut-point"),
        (30, "below the provisional PTSD cut-point"),
        (31, "borderline (within the 31–33 cut-point range)"),
        (32, "borderline (within the 31–33 cut-point range)"),
        (33, "provisional PTSD"),
        (80, "provisional PTSD"),
    ],
)
def test_pcl5_bands(total: int, band: str) -> None:
    assert score(PCL5, answers_summing(20, 4, total)).band == band


def test_phq9_item9_flags_self_harm() -> None:
    assert score(PHQ9, [0] * 8 + [1]).self_harm
    assert score(PHQ9, [0] * 8 + [3]).self_harm
    assert not score(PHQ9, [3] * 8 + [0]).self_harm
    # Only PHQ-9 has the self-harm item; a high GAD-7 item 7 (afraid) is not it.
    assert not score(GAD7, [0] * 6 + [3]).self_harm


def test_pcl5_dsm5_rule_needs_each_cluster() -> None:
    # Guide: ≥ 1 B (1–5), ≥ 1 C (6–7), ≥ 2 D (8–14), ≥ 2 E (15–20), each rated 2 or more.
    minimal = [2] + [0] * 4 + [2, 0] + [2, 2] + [0] * 5 + [2, 2] + [0] * 4
    assert score(PCL5, minimal).dsm5_rule is True
    assert score(PCL5, minimal).total == 12  # the rule can hold far below the cut-point
    one_d = list(minimal)
    one_d[8] = 1  # second D symptom only "A little bit"
    assert score(PCL5, one_d).dsm5_rule is False
    no_c = list(minimal)
    no_c[5] = 0
    assert score(PCL5, no_c).dsm5_rule is False
    # Many symptoms rated 1 reach a high total without meeting the rule.
    assert score(PCL5, [1] * 20).dsm5_rule is False
    assert score(PHQ9, [0] * 9).dsm5_rule is None


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ([0] * 8, "PHQ-9 (Patient Health Questionnaire) has 9 items; 8 answers were sent"),
        ([0] * 8 + [4], "item 9 must be between 0 and 3"),
        ([-1] + [0] * 8, "item 1 must be between 0 and 3"),
    ],
)
def test_invalid_answers_are_named(answers: list[int], problem: str) -> None:
    assert validate_answers(PHQ9, answers) == problem
    with pytest.raises(ValueError, match=problem.split(" ")[-1]):
        score(PHQ9, answers)


@pytest.mark.parametrize(
    ("totals", "response", "remission"),
    [
        ([21, 18, 15, 12, 10, 8], True, False),  # the course: 62 % drop, still ≥ 5
        ([20, 10], True, False),  # exactly 50 % is a response
        ([21, 11], False, False),  # 48 %
        ([12, 4], True, True),
        ([4, 4], False, True),  # remission without response: it started low
        ([0, 0], False, True),
    ],
)
def test_phq9_response_and_remission(totals: list[int], response: bool, remission: bool) -> None:
    result = outcome(PHQ9, totals)
    assert result is not None
    assert (result.response, result.remission) == (response, remission)
    assert result.change == totals[-1] - totals[0]


def test_outcome_needs_two_totals_and_flags_only_phq9() -> None:
    assert outcome(PHQ9, [21]) is None
    gad = outcome(GAD7, [15, 5])
    assert gad is not None and gad.response is None and gad.remission is None


@given(st.sampled_from(list(SCALES.values())), st.data())
def test_every_possible_total_has_one_band(scale, data) -> None:  # type: ignore[no-untyped-def]
    top = len(scale.options) - 1
    answers = data.draw(
        st.lists(st.integers(0, top), min_size=len(scale.items), max_size=len(scale.items))
    )
    result = score(scale, answers)
    assert 0 <= result.total <= scale.max_total
    assert sum(b.low <= result.total <= b.high for b in scale.bands) == 1
