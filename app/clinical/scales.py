"""The clinical vocabularies of a ketamine session: side effects, rescue medicines, the
dissociation and sedation scales. One source for each label; pure.

CADSS-6 is the six-item short form of the Clinician-Administered Dissociative States Scale
(each item 0–4, total 0–24); the item labels here are short names for the instrument's questions,
which the clinic's licensed copy words in full. MOASS (0 unresponsive … 5 alert) and RASS
(−5 … +4) are the sedation scales the protocol may use.
"""

from typing import Literal

SideEffectKind = Literal[
    "nausea",
    "vomiting",
    "dissociation",
    "anxiety",
    "agitation",
    "emergence_reaction",
    "sedation",
    "hypertension",
    "tachycardia",
    "desaturation",
    "headache",
    "dizziness",
    "other",
]
Severity = Literal["mild", "moderate", "severe"]
Outcome = Literal["ongoing", "resolved", "resolved_with_intervention", "escalated"]
Route = Literal["IV", "IM", "PO", "SL", "IN", "SC", "inhaled"]
DoseUnit = Literal["mg", "mcg", "mL", "units", "L/min"]
Scale = Literal["cadss6", "moass", "rass"]

SIDE_EFFECT_LABELS: dict[str, str] = {
    "nausea": "Nausea",
    "vomiting": "Vomiting",
    "dissociation": "Dissociation",
    "anxiety": "Anxiety",
    "agitation": "Agitation",
    "emergence_reaction": "Emergence reaction",
    "sedation": "Sedation",
    "hypertension": "Hypertension",
    "tachycardia": "Tachycardia",
    "desaturation": "Desaturation",
    "headache": "Headache",
    "dizziness": "Dizziness",
    "other": "Other",
}
OUTCOME_LABELS: dict[str, str] = {
    "ongoing": "ongoing",
    "resolved": "resolved",
    "resolved_with_intervention": "resolved with intervention",
    "escalated": "escalated",
}
CADSS6_ITEMS: dict[str, str] = {
    "slow_motion": "Things seem to move in slow motion",
    "unreal": "Things seem unreal, as in a dream",
    "separated": "Separated from what is happening, as in a movie",
    "outside_body": "Looking at things from outside the body",
    "observer": "Watching as an observer or spectator",
    "disconnected_body": "Disconnected from the body",
}
CADSS6_ITEM_MAX = 4
MOASS_LABELS: dict[int, str] = {
    5: "responds readily to name spoken in normal tone",
    4: "lethargic response to name spoken in normal tone",
    3: "responds only after name is called loudly or repeatedly",
    2: "responds only after mild prodding or shaking",
    1: "does not respond to mild prodding or shaking",
    0: "does not respond to deep stimulus",
}
RASS_LABELS: dict[int, str] = {
    4: "combative",
    3: "very agitated",
    2: "agitated",
    1: "restless",
    0: "alert and calm",
    -1: "drowsy",
    -2: "light sedation",
    -3: "moderate sedation",
    -4: "deep sedation",
    -5: "unarousable",
}
SCALE_RANGES: dict[str, tuple[int, int]] = {"cadss6": (0, 24), "moass": (0, 5), "rass": (-5, 4)}
SCALE_NAMES: dict[str, str] = {
    "cadss6": "CADSS-6 dissociation",
    "moass": "MOASS sedation",
    "rass": "RASS sedation",
}


def assessment_score(scale: str, *, items: dict[str, int] | None, score: int | None) -> int | str:
    """The total of an assessment, or what is wrong with it (a sentence). CADSS-6 is scored
    from its six items; MOASS and RASS are one observation each."""
    if scale == "cadss6":
        if items is None or set(items) != set(CADSS6_ITEMS):
            return "CADSS-6 needs all six items: " + ", ".join(CADSS6_ITEMS)
        for name, value in items.items():
            if not 0 <= value <= CADSS6_ITEM_MAX:
                return f"CADSS-6 item {name} must be 0 to {CADSS6_ITEM_MAX}"
        total = sum(items.values())
        if score is not None and score != total:
            return f"the items add up to {total}, not {score}"
        return total
    if items:
        return f"{SCALE_NAMES[scale]} is a single score, without items"
    low, high = SCALE_RANGES[scale]
    if score is None or not low <= score <= high:
        return f"{SCALE_NAMES[scale]} must be {low} to {high}"
    return score


def scale_label(scale: str, score: int) -> str:
    if scale == "moass":
        return f"MOASS {score}: {MOASS_LABELS[score]}"
    if scale == "rass":
        return f"RASS {score:+d}: {RASS_LABELS[score]}"
    return f"CADSS-6 {score}/24"
