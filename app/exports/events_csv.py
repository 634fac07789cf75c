"""A session's whole timeline as CSV: one row per thing recorded, of every kind. Pure.

The readings CSV is one row per reading; this file is the rest of the session beside them, in
time order: phases (with override reasons), the infusion order and its check, every pump
event, side effects and their outcomes, PRN medicines, assessments, the Aldrete score, alerts
and notes, and each reading in short.
"""

from collections.abc import Iterator
from datetime import datetime

from app.clinical.scales import OUTCOME_LABELS
from app.exports.csv_rows import rows_chunk_of
from app.exports.schemas import SessionRecord
from app.vitals.codes import summary

COLUMNS = (
    "session_id",
    "mrn",
    "at",
    "kind",
    "by",
    "what",
    "drug",
    "dose",
    "unit",
    "route",
    "rate_mg_per_kg_h",
    "rate_ml_per_h",
    "severity",
    "outcome",
    "score",
    "reason",
    "override",
    "ref",
)
FREE_TEXT = frozenset({"what", "reason", "drug"})

Row = dict[str, object]


def _rows(record: SessionRecord) -> Iterator[tuple[datetime, Row]]:
    s, name = record.session, record.staff_name
    for p in s.phase_history:
        yield (
            p.at,
            {
                "kind": "phase",
                "by": name(p.by),
                "what": p.to_phase,
                "reason": p.reason,
                "override": "true" if p.override else "false",
            },
        )
    screening = record.screening
    if screening is not None:
        yield (
            screening.at,
            {
                "kind": "screening",
                "by": name(screening.by),
                "what": "; ".join(screening.hard_stops + screening.cautions) or "no findings",
                "reason": f"escort {screening.escort_name} {screening.escort_phone}",
            },
        )
        if screening.override_at is not None:
            yield (
                screening.override_at,
                {
                    "kind": "screening_override",
                    "by": name(screening.override_by),
                    "what": "; ".join(screening.hard_stops),
                    "reason": screening.override_reason,
                    "override": "true",
                },
            )
    order = record.infusion.order
    if order is not None:
        yield (
            order.prepared_at,
            {
                "kind": "infusion_order",
                "by": name(order.prepared_by),
                "what": f"{order.concentration_mg_per_ml:g} mg/mL, lot {order.lot}, "
                f"expiry {order.expiry.isoformat()}",
                "drug": order.drug,
                "dose": order.planned_dose_mg,
                "unit": "mg",
                "route": "IV",
                "rate_mg_per_kg_h": order.rate_mg_per_kg_h,
                "rate_ml_per_h": order.rate_ml_per_h,
            },
        )
        if order.verified_at is not None:
            yield (
                order.verified_at,
                {
                    "kind": "infusion_verified",
                    "by": name(order.verified_by),
                    "rate_ml_per_h": order.rate_ml_per_h,
                },
            )
    for e in record.infusion.events:
        yield (
            e.at,
            {
                "kind": f"pump_{e.kind}",
                "by": name(e.by),
                "what": e.note,
                "dose": e.bolus_mg,
                "unit": "mg" if e.bolus_mg else None,
                "rate_mg_per_kg_h": e.rate_mg_per_kg_h,
                "rate_ml_per_h": e.rate_ml_per_h,
                "ref": e.id,
            },
        )
    for effect in record.clinical.side_effects:
        yield (
            effect.onset_at,
            {
                "kind": "side_effect",
                "by": name(effect.by),
                "what": effect.kind,
                "severity": effect.severity,
                "reason": effect.intervention,
                "ref": effect.id,
            },
        )
        for o in effect.outcomes:
            yield (
                o.at,
                {
                    "kind": "side_effect_outcome",
                    "by": name(o.by),
                    "what": effect.kind,
                    "outcome": OUTCOME_LABELS[o.outcome],
                    "reason": o.note,
                    "ref": effect.id,
                },
            )
    for dose in record.clinical.prn:
        yield (
            dose.given_at,
            {
                "kind": "prn",
                "by": name(dose.by),
                "what": dose.indication,
                "drug": dose.drug,
                "dose": dose.dose,
                "unit": dose.unit,
                "route": dose.route,
                "ref": dose.side_effect_id or dose.id,
            },
        )
    for a in record.clinical.assessments:
        yield (
            a.taken_at,
            {
                "kind": f"assessment_{a.scale}",
                "by": name(a.by),
                "what": a.label,
                "score": a.score,
                "ref": a.id,
            },
        )
    if s.aldrete is not None:
        at = next((c.at for c in s.phase_history if c.to_phase == "discharged"), s.phase_started_at)
        items = ", ".join(f"{k} {v}" for k, v in s.aldrete.model_dump().items())
        yield at, {"kind": "aldrete", "what": items, "score": s.aldrete.total}
    for alert in record.alerts:
        yield (
            alert.raised_at,
            {
                "kind": "alert_raised",
                "what": alert.message,
                "severity": alert.priority,
                "ref": alert.id,
            },
        )
        if alert.acknowledged_at is not None:
            yield (
                alert.acknowledged_at,
                {
                    "kind": "alert_acknowledged",
                    "by": name(alert.acknowledged_by),
                    "reason": alert.ack_note,
                    "ref": alert.id,
                },
            )
        if alert.resolved_at is not None:
            yield (
                alert.resolved_at,
                {
                    "kind": "alert_resolved",
                    "reason": alert.resolved_reason,
                    "ref": alert.id,
                },
            )
    for item in record.timeline:
        note = item.data.get("note")
        if item.type == "session.note_added" and isinstance(note, dict):
            yield item.at, {"kind": f"note_{note.get('kind')}", "what": note.get("text")}
    for r in record.readings:
        yield (
            r.taken_at,
            {
                "kind": "reading",
                "by": r.recorded_by_username,
                "what": summary(r.heart_rate, r.systolic, r.diastolic, r.spo2),
                "outcome": r.status,
                "reason": r.amend_reason or r.error_reason or r.late_reason,
                "ref": r.id,
            },
        )


def events_csv(record: SessionRecord) -> bytes:
    s = record.session
    rows = sorted(_rows(record), key=lambda pair: pair[0])
    base = {"session_id": s.id, "mrn": s.patient.mrn}
    return rows_chunk_of(
        COLUMNS,
        FREE_TEXT,
        ([{**base, "at": at.isoformat(), **row}.get(c) for c in COLUMNS] for at, row in rows),
    )
