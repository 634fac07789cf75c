"""The parts of the session report beyond the vitals: the protocol and dose, the infusion
record, side effects and rescue medicines, CADSS-6 and sedation. Pure."""

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from app.clinical.scales import CADSS6_ITEMS, OUTCOME_LABELS, SCALE_NAMES, SIDE_EFFECT_LABELS
from app.exports.pdf_parts import BODY, HEADING, cell, clock, fields, grid, stamp
from app.exports.schemas import SessionRecord


def dose_fields(record: SessionRecord) -> list[tuple[str, object]]:
    s = record.session
    rules = s.protocol_rules
    if s.dose_mg_per_kg is not None:
        dose = f"{s.dose_mg_per_kg:g} mg/kg × {s.weight_kg:g} kg = {s.total_dose_mg:g} mg planned"
    else:
        dose = f"{s.total_dose_mg:g} mg in {s.devices} devices (weight {s.weight_kg:g} kg)"
    return [
        ("Protocol", s.protocol),
        ("Drug", f"{s.drug}, {rules.route}"),
        ("Dose", dose),
        ("Planned duration", f"{s.planned_minutes} min"),
    ]


def screening_part(record: SessionRecord) -> list[Flowable]:
    story: list[Flowable] = [Paragraph("Screening", HEADING)]
    sc = record.screening
    if sc is None:
        return [*story, Paragraph("No screening form was recorded for this session.", BODY)]
    override = (
        f"{record.staff_name(sc.override_by)}, {stamp(sc.override_at)}: {sc.override_reason}"
        if sc.override_at
        else "—"
    )
    rows: list[tuple[str, object]] = [
        ("Screened", f"{record.staff_name(sc.by)}, {stamp(sc.at)}"),
        ("Hard stops", "; ".join(sc.hard_stops) or "none"),
        ("Physician override", override),
        ("Cautions", "; ".join(sc.cautions) or "none"),
        ("BP history", sc.bp_history or "—"),
        ("Allergies", sc.allergies or "—"),
        ("Other medicines", sc.other_medicines or "—"),
        ("Last food", stamp(sc.last_food_at)),
        ("Escort", f"{sc.escort_name}, {sc.escort_phone}"),
    ]
    return [*story, fields(rows)]


def infusion_part(record: SessionRecord) -> list[Flowable]:
    infusion, order = record.infusion, record.infusion.order
    if record.session.protocol_rules.route != "iv":
        return []
    story: list[Flowable] = [Paragraph("Infusion record", HEADING)]
    if order is None and not infusion.events:
        return [*story, Paragraph("No pump record was kept for this session.", BODY)]
    if order is not None:
        story.append(
            fields(
                [
                    ("Bag", f"{order.drug} {order.concentration_mg_per_ml:g} mg/mL"),
                    ("Lot / expiry", f"{order.lot} / {order.expiry.isoformat()}"),
                    (
                        "Ordered rate",
                        f"{order.rate_mg_per_kg_h:g} mg/kg/h = {order.rate_ml_per_h:g} mL/h",
                    ),
                    (
                        "Prepared",
                        f"{record.staff_name(order.prepared_by)}, {stamp(order.prepared_at)}",
                    ),
                    (
                        "Second check",
                        f"{record.staff_name(order.verified_by)}, {stamp(order.verified_at)}"
                        if order.verified_at
                        else "NOT CHECKED",
                    ),
                ]
            )
        )
    if infusion.events:
        story.append(
            grid(
                ["Time", "Event", "Rate", "Bolus", "By", "Note"],
                [
                    [
                        cell(clock(e.at)),
                        cell(e.kind.replace("_", " ")),
                        cell(
                            f"{e.rate_mg_per_kg_h:g} mg/kg/h ({e.rate_ml_per_h:g} mL/h)"
                            if e.rate_mg_per_kg_h
                            else ""
                        ),
                        cell(f"{e.bolus_mg:g} mg" if e.bolus_mg else ""),
                        cell(record.staff_name(e.by)),
                        cell(e.note or ""),
                    ]
                    for e in infusion.events
                ],
                [14 * mm, 22 * mm, 40 * mm, 14 * mm, 30 * mm, None],
            )
        )
    actual = (
        f"{infusion.actual_minutes:g} min" if infusion.actual_minutes is not None else "running"
    )
    story.append(
        fields(
            [
                (
                    "Delivered (computed)",
                    f"{infusion.delivered_mg:g} mg, of which bolus {infusion.bolus_mg:g} mg",
                ),
                ("Not given", f"{infusion.remaining_mg:g} mg"),
                ("Time infusing", f"{infusion.infusing_minutes:g} min; start to stop {actual}"),
            ]
        )
    )
    return story


def clinical_part(record: SessionRecord) -> list[Flowable]:
    clinical = record.clinical
    story: list[Flowable] = [Paragraph("Side effects and rescue medicines", HEADING)]
    if not clinical.side_effects and not clinical.prn:
        story.append(Paragraph("No side effects or rescue medicines were recorded.", BODY))
    if clinical.side_effects:
        story.append(
            grid(
                ["Onset", "Side effect", "Severity", "Intervention", "Outcome", "By"],
                [
                    [
                        cell(clock(e.onset_at)),
                        cell(SIDE_EFFECT_LABELS[e.kind]),
                        cell(e.severity),
                        cell(e.intervention or ""),
                        cell(
                            "; ".join(
                                f"{clock(o.at)} {OUTCOME_LABELS[o.outcome]}" for o in e.outcomes
                            )
                            or "ongoing"
                        ),
                        cell(record.staff_name(e.by)),
                    ]
                    for e in clinical.side_effects
                ],
                [14 * mm, 28 * mm, 18 * mm, None, 40 * mm, 26 * mm],
            )
        )
    if clinical.prn:
        story.append(
            grid(
                ["Given", "PRN medicine", "Dose", "Route", "Indication", "By"],
                [
                    [
                        cell(clock(p.given_at)),
                        cell(p.drug),
                        cell(f"{p.dose:g} {p.unit}"),
                        cell(p.route),
                        cell(p.indication),
                        cell(record.staff_name(p.by)),
                    ]
                    for p in clinical.prn
                ],
                [14 * mm, 32 * mm, 18 * mm, 14 * mm, None, 26 * mm],
            )
        )
    story.append(Paragraph("Dissociation (CADSS-6) and sedation", HEADING))
    if not clinical.assessments:
        story.append(Paragraph("No CADSS-6 or sedation assessments were recorded.", BODY))
        return story
    story.append(
        grid(
            ["Time", "Scale", "Score", "Items"],
            [
                [
                    cell(clock(a.taken_at)),
                    cell(SCALE_NAMES[a.scale]),
                    cell(a.label),
                    cell(
                        ", ".join(f"{CADSS6_ITEMS[k].lower()} {v}" for k, v in a.items.items())
                        if a.items
                        else ""
                    ),
                ]
                for a in clinical.assessments
            ],
            [14 * mm, 34 * mm, 60 * mm, None],
        )
    )
    trend = [
        f"{SCALE_NAMES[scale]}: " + " → ".join(str(p.score) for p in points)
        for scale, points in clinical.trends.items()
    ]
    story.append(Paragraph("Trend: " + "; ".join(trend), BODY))
    return story
