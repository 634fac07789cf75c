"""The SPRAVATO REMS Patient Monitoring Form (outpatient), pre-filled from a session. Pure.

Field list: the form "Patient Monitoring Form – Outpatient Use Only", © Janssen 11/2021, the
latest whose fields we could read in full, as docs/rems.md describes (which version, what is
filled from where, what staff complete by hand).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.exports.schemas import ExportReading, SessionRecord
from app.vitals.codes import bp_text

SUBMIT_WITHIN = timedelta(days=7)
MEDICINES = (
    ("benzodiazepines", "benzodiazepines", "Benzodiazepines"),
    ("sedative_hypnotics", "sedative_hypnotics", "Non-benzodiazepine sedative hypnotics"),
    ("psychostimulants", "psychostimulants", "Psychostimulants"),
    ("maois", "maois", "Monoamine oxidase inhibitors (MAOIs)"),
)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str
    kind: str = "text"  # "text" or "yesno" ("Yes", "No" or "" when not known)


def _bp(r: ExportReading | None) -> str:
    return bp_text(r.systolic, r.diastolic) if r else ""


def _yes(flag: bool | None) -> str:
    return "" if flag is None else ("Yes" if flag else "No")


def _date(moment: datetime | None) -> str:
    return moment.strftime("%m/%d/%Y") if moment else ""


def blood_pressures(record: SessionRecord) -> tuple[ExportReading | None, ...]:
    """Prior to administration, about 40 min after, and prior to completion: current readings."""
    s = record.session
    current = [r for r in record.readings if r.status == "final"]
    dosed = s.infusion_started_at
    ended = next((p.at for p in s.phase_history if p.to_phase == "discharged"), None)
    before = [r for r in current if dosed is None or r.taken_at <= dosed]
    prior = before[-1] if before else None
    forty = None
    if dosed is not None:
        point = dosed + timedelta(minutes=40)
        near = [r for r in current if abs(r.taken_at - point) <= timedelta(minutes=10)]
        forty = min(near, key=lambda r: abs(r.taken_at - point)) if near else None
    last = [r for r in current if ended is None or r.taken_at <= ended]
    completion = last[-1] if last and last[-1] is not forty and last[-1] is not prior else None
    return prior, forty, completion


def experienced(record: SessionRecord) -> dict[str, bool]:
    """Sedation, dissociation, respiratory depression: from side effects, scales and readings."""
    kinds = {e.kind for e in record.clinical.side_effects}
    scores = record.clinical.assessments
    sedated = (
        "sedation" in kinds
        or any(
            (a.scale == "moass" and a.score <= 3) or (a.scale == "rass" and a.score <= -2)
            for a in scores
        )
        or any(r.sedation_rass is not None and r.sedation_rass <= -2 for r in record.readings)
    )
    dissociated = (
        "dissociation" in kinds
        or any(a.scale == "cadss6" and a.score > 0 for a in scores)
        or any((r.dissociation_cadss6 or 0) > 0 for r in record.readings)
    )
    respiratory = "desaturation" in kinds or any(
        r.status == "final"
        and (
            (r.spo2 is not None and r.spo2 < 90)
            or (r.respiratory_rate is not None and r.respiratory_rate < 10)
        )
        for r in record.readings
    )
    return {"sedation": sedated, "dissociation": dissociated, "respiratory": respiratory}


def monitoring_fields(record: SessionRecord) -> list[Field]:
    s = record.session
    first, *rest = s.patient.full_name.split(" ", 1)
    dosed = s.infusion_started_at
    ended = next((p.at for p in s.phase_history if p.to_phase == "discharged"), None)
    minutes = round((ended - dosed).total_seconds() / 60) if dosed and ended else None
    medicines = record.screening.medicines if record.screening else None
    prior, forty, completion = blood_pressures(record)
    criteria = {c.name: c.met for c in s.discharge.criteria}
    gate_overridden = any(p.override and p.to_phase == "infusion" for p in s.phase_history)
    physician = next(
        (record.staff_name(p.by) for p in s.phase_history if p.to_phase == "discharged"), ""
    )
    seen = experienced(record)
    fields = [
        Field("patient_first_name", "First name", first),
        Field("patient_last_name", "Last name", rest[0] if rest else ""),
        Field(
            "patient_birthdate",
            "Birthdate (MM/DD/YYYY)",
            _date(
                datetime(
                    s.patient.date_of_birth.year,
                    s.patient.date_of_birth.month,
                    s.patient.date_of_birth.day,
                )
            ),
        ),
        Field("patient_sex", "Sex", ""),
        *(
            Field(
                f"med_{name}",
                label,
                _yes(None if medicines is None else code in medicines),
                "yesno",
            )
            for name, code, label in MEDICINES
        ),
        Field("provider_name", "Healthcare provider conducting monitoring", physician),
        Field("provider_phone", "Telephone", ""),
        Field("provider_email", "Email", ""),
        Field("setting_name", "Healthcare setting name", ""),
        Field("setting_address", "Healthcare setting address", ""),
        Field("treatment_date", "Treatment date (MM/DD/YYYY)", _date(dosed)),
        Field("dose", "Dose administered", f"{s.total_dose_mg:g} mg ({s.devices} devices)"),
        Field("lot", "Lot number", ""),
        Field(
            "total_minutes",
            "Total time, minutes (1st device to completion of monitoring)",
            "" if minutes is None else str(minutes),
        ),
        Field(
            "ready_minutes",
            "Without the 2-hour minimum, ready to leave after (minutes from start)",
            "" if s.ready_to_leave_minutes is None else str(s.ready_to_leave_minutes),
        ),
        Field(
            "vitals_ok_before",
            "Vital signs in acceptable range prior to administration",
            _yes(None if dosed is None else not gate_overridden),
            "yesno",
        ),
        Field(
            "vitals_ok_completion",
            "Vital signs in acceptable range prior to completion",
            _yes(criteria.get("blood_pressure") if ended else None),
            "yesno",
        ),
        Field("bp_prior", "BP prior to administration (mmHg)", _bp(prior)),
        Field("bp_40", "BP 40 min post-administration (mmHg)", _bp(forty)),
        Field("bp_completion", "BP prior to treatment session completion (mmHg)", _bp(completion)),
        Field("sedation", "Sedation", _yes(seen["sedation"]), "yesno"),
        Field("dissociation", "Dissociation", _yes(seen["dissociation"]), "yesno"),
        Field(
            "respiratory_depression", "Respiratory depression", _yes(seen["respiratory"]), "yesno"
        ),
    ]
    return fields
