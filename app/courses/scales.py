"""The outcome scales (PHQ-9, GAD-7, PCL-5): their exact items, scoring and bands. Pure: no I/O.

Sources: PHQ-9 and GAD-7 as published by Spitzer, Williams, Kroenke et al. (Pfizer; no
permission needed to reproduce), bands from Kroenke 2001 and Spitzer 2006; PCL-5 as published by
the National Center for PTSD (Weathers et al. 2013, public domain), whose scoring guide gives
no severity bands, only a provisional cut-point of 31–33 and the DSM-5 symptom rule.
LOINC codes: PHQ-9 44249-1 / total 44261-6, GAD-7 69737-5 / total 70274-6, PCL-5 101697-1 /
total 101698-9.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

ScaleCode = Literal["phq9", "gad7", "pcl5"]


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Scale:
    code: ScaleCode
    title: str
    stem: str
    items: tuple[str, ...]
    options: tuple[str, ...]  # the label of each answer value, 0 upwards
    bands: tuple[Band, ...]
    loinc_panel: str
    loinc_total: str

    @property
    def max_total(self) -> int:
        return len(self.items) * (len(self.options) - 1)


_FREQUENCY = ("Not at all", "Several days", "More than half the days", "Nearly every day")

PHQ9 = Scale(
    code="phq9",
    title="PHQ-9 (Patient Health Questionnaire)",
    stem="Over the last 2 weeks, how often have you been bothered by any of the following "
    "problems?",
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your "
        "family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    options=_FREQUENCY,
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 19, "moderately severe"),
        Band(20, 27, "severe"),
    ),
    loinc_panel="44249-1",
    loinc_total="44261-6",
)

GAD7 = Scale(
    code="gad7",
    title="GAD-7 (Generalized Anxiety Disorder 7-item scale)",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    options=_FREQUENCY,
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 21, "severe"),
    ),
    loinc_panel="69737-5",
    loinc_total="70274-6",
)

# The scoring guide's provisional cut-point is "31–33"; the clinic takes its upper end so a
# total of 31 or 32 reads as borderline rather than as a provisional diagnosis.
PCL5_CUTOFF = 33

PCL5 = Scale(
    code="pcl5",
    title="PCL-5 (PTSD Checklist for DSM-5)",
    stem="In the past month, how much were you bothered by:",
    items=(
        "Repeated, disturbing, and unwanted memories of the stressful experience?",
        "Repeated, disturbing dreams of the stressful experience?",
        "Suddenly feeling or acting as if the stressful experience were actually happening "
        "again (as if you were actually back there reliving it)?",
        "Feeling very upset when something reminded you of the stressful experience?",
        "Having strong physical reactions when something reminded you of the stressful "
        "experience (for example, heart pounding, trouble breathing, sweating)?",
        "Avoiding memories, thoughts, or feelings related to the stressful experience?",
        "Avoiding external reminders of the stressful experience (for example, people, places, "
        "conversations, activities, objects, or situations)?",
        "Trouble remembering important parts of the stressful experience?",
        "Having strong negative beliefs about yourself, other people, or the world (for "
        "example, having thoughts such as: I am bad, there is something seriously wrong with "
        "me, no one can be trusted, the world is completely dangerous)?",
        "Blaming yourself or someone else for the stressful experience or what happened after it?",
        "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
        "Loss of interest in activities that you used to enjoy?",
        "Feeling distant or cut off from other people?",
        "Trouble experiencing positive feelings (for example, being unable to feel happiness or "
        "have loving feelings for people close to you)?",
        "Irritable behavior, angry outbursts, or acting aggressively?",
        "Taking too many risks or doing things that could cause you harm?",
        'Being "superalert" or watchful or on guard?',
        "Feeling jumpy or easily startled?",
        "Having difficulty concentrating?",
        "Trouble falling or staying asleep?",
    ),
    options=("Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely"),
    bands=(
        Band(0, 30, "below the provisional PTSD cut-point"),
        Band(31, PCL5_CUTOFF - 1, "borderline (within the 31–33 cut-point range)"),
        Band(PCL5_CUTOFF, 80, "provisional PTSD"),
    ),
    loinc_panel="101697-1",
    loinc_total="101698-9",
)

SCALES: dict[ScaleCode, Scale] = {s.code: s for s in (PHQ9, GAD7, PCL5)}

# PHQ-9 item 9 (thoughts of self-harm), as an index into the answers.
PHQ9_SELF_HARM_ITEM = 8
# DSM-5 clusters of the PCL-5 items (1-based in the guide): B 1–5, C 6–7, D 8–14, E 15–20, and
# how many symptoms rated "Moderately" (2) or more each needs for a provisional diagnosis.
_PCL5_CLUSTERS = ((range(0, 5), 1), (range(5, 7), 1), (range(7, 14), 2), (range(14, 20), 2))
_PCL5_ENDORSED = 2


@dataclass(frozen=True)
class Score:
    total: int
    band: str
    # PHQ-9: item 9 answered above "Not at all"; the clinic must hear of it the same day.
    self_harm: bool
    # PCL-5 only: the DSM-5 symptom rule is met (None for other scales).
    dsm5_rule: bool | None


def validate_answers(scale: Scale, answers: Sequence[int]) -> str | None:
    """What is wrong with these answers, in words for the person entering them, or None."""
    if len(answers) != len(scale.items):
        return f"{scale.title} has {len(scale.items)} items; {len(answers)} answers were sent"
    top = len(scale.options) - 1
    for i, value in enumerate(answers, start=1):
        if not 0 <= value <= top:
            return f"item {i} must be between 0 and {top}"
    return None


def band_of(scale: Scale, total: int) -> str:
    return next(b.label for b in scale.bands if b.low <= total <= b.high)


def score(scale: Scale, answers: Sequence[int]) -> Score:
    problem = validate_answers(scale, answers)
    if problem is not None:
        raise ValueError(problem)
    total = sum(answers)
    dsm5: bool | None = None
    if scale.code == "pcl5":
        dsm5 = all(
            sum(answers[i] >= _PCL5_ENDORSED for i in items) >= need
            for items, need in _PCL5_CLUSTERS
        )
    return Score(
        total=total,
        band=band_of(scale, total),
        self_harm=scale.code == "phq9" and answers[PHQ9_SELF_HARM_ITEM] > 0,
        dsm5_rule=dsm5,
    )


@dataclass(frozen=True)
class Outcome:
    baseline: int
    latest: int
    change: int
    # PHQ-9 only (None for the other scales): ≥ 50 % drop from baseline, and latest < 5.
    response: bool | None
    remission: bool | None


PHQ9_REMISSION_BELOW = 5


def outcome(scale: Scale, totals: Sequence[int]) -> Outcome | None:
    """The change across a course from its first total (the baseline) to its last, in time
    order; None with fewer than two."""
    if len(totals) < 2:
        return None
    baseline, latest = totals[0], totals[-1]
    response = remission = None
    if scale.code == "phq9":
        # Integer arithmetic: 21 → 10 is a 52 % drop, 20 → 10 exactly 50 %, both responses.
        response = baseline > 0 and 2 * latest <= baseline
        remission = latest < PHQ9_REMISSION_BELOW
    return Outcome(baseline, latest, latest - baseline, response, remission)
