"""The pre-treatment screening: which answers stop a treatment, which call for care. Pure.

Hard stops follow the ketamine/esketamine labels' contraindications and the clinic workflow's
screening (uncontrolled hypertension, aneurysmal vascular disease or arteriovenous malformation,
intracerebral haemorrhage, recent cardiac event, active psychosis, pregnancy, allergy to
ketamine/esketamine); a physician may override one with a reason. Cautions are recorded and
shown, and stop nothing: substance use history, and for Spravato the interacting medicines its
label names (benzodiazepines, sedative hypnotics, psychostimulants, MAOIs, opioids).
"""

from dataclasses import dataclass

HARD_STOPS: dict[str, str] = {
    "uncontrolled_hypertension": "uncontrolled hypertension",
    "vascular_aneurysm_or_avm": "aneurysmal vascular disease or arteriovenous malformation",
    "intracerebral_hemorrhage": "history of intracerebral haemorrhage",
    "recent_cardiac_event": "cardiac event in the last 6 weeks (MI, unstable angina, stroke)",
    "active_psychosis": "active psychosis",
    "pregnancy": "pregnancy",
    "ketamine_allergy": "allergy to ketamine or esketamine",
}
CAUTIONS: dict[str, str] = {
    "hypertension_history": "history of hypertension",
    "cardiac_history": "history of heart disease",
    "psychosis_history": "history of psychosis",
    "substance_use": "substance use (current or past)",
    "breastfeeding": "breastfeeding",
}
INTERACTING_MEDICINES: dict[str, str] = {
    "benzodiazepines": "benzodiazepines",
    "sedative_hypnotics": "sedative hypnotics",
    "psychostimulants": "psychostimulants",
    "maois": "MAOIs",
    "opioids": "opioids",
}
# Solid food this long before dosing (the clinic workflow; the Spravato label says 2 h for food,
# 30 min for liquids).
FASTING_HOURS = 2


@dataclass(frozen=True)
class ScreeningVerdict:
    hard_stops: list[str]
    cautions: list[str]


def screen(
    *, answers: dict[str, bool], medicines: list[str], route: str, fasting_hours: float | None
) -> ScreeningVerdict:
    """What the answers mean: hard stops and cautions, as sentences, in a fixed order."""
    hard = [label for code, label in HARD_STOPS.items() if answers.get(code)]
    cautions = [label for code, label in CAUTIONS.items() if answers.get(code)]
    taken = [INTERACTING_MEDICINES[m] for m in INTERACTING_MEDICINES if m in medicines]
    if taken:
        who = "Spravato's label names" if route == "intranasal" else "may interact"
        cautions.append(f"interacting medicines ({who}): " + ", ".join(taken))
    if fasting_hours is not None and fasting_hours < FASTING_HOURS:
        cautions.append(f"fasted {fasting_hours:.1f} h, less than {FASTING_HOURS} h")
    return ScreeningVerdict(hard, cautions)
