"""The course report: outcome per scale, its trend across the course with the infusions marked,
the infusions, every response and the item-9 alerts. Pure: a CourseDetail in, PDF bytes out."""

import io
from datetime import date, datetime

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from app.courses.scales import PHQ9_REMISSION_BELOW, SCALES, ScaleCode
from app.courses.schemas import CourseDetail, OutcomeOut, ResponseOut
from app.exports.pdf_chart import BOLD, FONT
from app.exports.pdf_parts import BODY, GRID, HEADING, SMALL, TITLE, a4_report, cell

INFUSION = colors.Color(0.35, 0.55, 0.85)


def _day(moment: datetime | date) -> str:
    return moment.strftime("%Y-%m-%d")


def _yes(flag: bool | None) -> str:
    return "—" if flag is None else ("yes" if flag else "no")


def _outcome_text(o: OutcomeOut) -> str:
    scale = SCALES[o.scale]
    text = f"{scale.title}: {o.baseline} to {o.latest} (change {o.change:+d})"
    if o.response is not None:
        text += f"; response {_yes(o.response)}, remission {_yes(o.remission)}"
    return text


def trend_chart(c: CourseDetail, code: ScaleCode, width: float, height: float = 120) -> Drawing:
    """One scale's totals over the course's days; a dashed vertical line per infusion."""
    scale = SCALES[code]
    points = [r for r in c.responses if r.scale == code]
    infusions = [s.infusion_started_at for s in c.sessions if s.infusion_started_at]
    moments = [r.taken_at for r in points] + infusions
    start, end = min(moments), max(moments)
    span = max((end - start).total_seconds(), 1.0)
    left, right, bottom, top = 30.0, width - 8, 18.0, height - 14

    def x(t: datetime) -> float:
        return left + (right - left) * (t - start).total_seconds() / span

    def y(v: float) -> float:
        return bottom + (top - bottom) * v / scale.max_total

    d = Drawing(width, height)
    d.add(String(left, height - 9, f"{scale.title} total", fontName=BOLD, fontSize=8))
    d.add(Rect(left, bottom, right - left, top - bottom, fillColor=None, strokeWidth=0.4))
    for band in scale.bands[1:]:
        d.add(Line(left, y(band.low), right, y(band.low), strokeColor=colors.lightgrey))
        d.add(
            String(
                left - 3,
                y(band.low) - 2,
                str(band.low),
                fontName=FONT,
                fontSize=6,
                textAnchor="end",
            )
        )
    if code == "phq9":
        d.add(
            Line(
                left,
                y(PHQ9_REMISSION_BELOW),
                right,
                y(PHQ9_REMISSION_BELOW),
                strokeColor=colors.darkgreen,
                strokeDashArray=(3, 2),
            )
        )
    for n, t in enumerate(infusions, start=1):
        d.add(Line(x(t), bottom, x(t), top, strokeColor=INFUSION, strokeDashArray=(2, 2)))
        d.add(
            String(
                x(t),
                bottom - 8,
                f"#{n}",
                fontName=FONT,
                fontSize=6,
                textAnchor="middle",
                fillColor=INFUSION,
            )
        )
    d.add(String(left, 1, _day(start), fontName=FONT, fontSize=6))
    d.add(String(right, 1, _day(end), fontName=FONT, fontSize=6, textAnchor="end"))
    if len(points) > 1:
        line = [v for r in points for v in (x(r.taken_at), y(r.total))]
        d.add(PolyLine(line, strokeWidth=1.2))
    for r in points:
        d.add(Rect(x(r.taken_at) - 2, y(r.total) - 2, 4, 4, fillColor=colors.black))
        d.add(
            String(
                x(r.taken_at),
                y(r.total) + 4,
                str(r.total),
                fontName=FONT,
                fontSize=6.5,
                textAnchor="middle",
            )
        )
    return d


def _sessions(c: CourseDetail) -> Table:
    rows: list[list[Paragraph]] = [
        [
            cell(h)
            for h in (
                "#",
                "Date",
                "Phase",
                "Dose",
                "Peak BP",
                "Lowest SpO2",
                "Alerts",
                "Side effects",
            )
        ]
    ]
    for s in c.sessions:
        dose = f"{s.planned_dose_mg:g} mg planned" + (
            f" ({s.dose_mg_per_kg:g} mg/kg)" if s.dose_mg_per_kg else ""
        )
        if s.delivered_mg is not None:
            dose += f", {s.delivered_mg:g} mg given"
        rows.append(
            [
                cell(s.number),
                cell(_day(s.infusion_started_at or s.created_at)),
                cell(s.phase),
                cell(f"{s.drug} {dose}"),
                cell(f"{s.peak_bp.systolic}/{s.peak_bp.diastolic}" if s.peak_bp else "—"),
                cell(f"{s.lowest_spo2} %" if s.lowest_spo2 is not None else "—"),
                cell(s.alert_count),
                cell("; ".join(s.side_effects) or "none recorded"),
            ]
        )
    widths = [7 * mm, 18 * mm, 18 * mm, 40 * mm, 16 * mm, 17 * mm, 11 * mm, None]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(GRID)
    return table


def _responses(c: CourseDetail) -> Table:
    visit = {s.id: s.number for s in c.sessions}
    rows = [[cell(h) for h in ("Taken", "Visit", "Scale", "Total", "Band", "Item 9", "By")]]
    for r in c.responses:
        item9 = str(r.answers[8]) if r.scale == "phq9" else "—"
        rows.append(
            [
                cell(r.taken_at.strftime("%Y-%m-%d %H:%M")),
                cell(f"#{visit.get(r.session_id, '?')}"),
                cell(SCALES[r.scale].title.split(" ")[0]),
                cell(f"{r.total} / {r.max_total}"),
                cell(r.band + (" · DSM-5 rule met" if r.dsm5_rule else "")),
                cell(item9 + (" (alert)" if r.self_harm else "")),
                cell("patient (tablet)" if r.source == "patient" else "staff"),
            ]
        )
    table = Table(rows, colWidths=[26 * mm, 11 * mm, 14 * mm, 15 * mm, 62 * mm, 13 * mm, None])
    table.setStyle(GRID)
    return table


def _safety(responses: list[ResponseOut]) -> list[Flowable]:
    alerts = {r.alert.id: r.alert for r in responses if r.alert is not None}
    if not alerts:
        return [cell("No PHQ-9 item-9 answer above zero in this course.", BODY)]
    rows = [[cell(h) for h in ("Raised", "Alert", "State", "Acknowledged (note)")]]
    for a in alerts.values():
        ack = f"{a.acknowledged_at:%Y-%m-%d %H:%M}: {a.ack_note}" if a.acknowledged_at else "—"
        rows.append(
            [cell(f"{a.raised_at:%Y-%m-%d %H:%M}"), cell(a.message), cell(a.state), cell(ack)]
        )
    table = Table(rows, colWidths=[26 * mm, 70 * mm, 20 * mm, None])
    table.setStyle(GRID)
    return [table]


def course_pdf(c: CourseDetail, exported_at: datetime) -> bytes:
    buffer = io.BytesIO()
    doc = a4_report(buffer, title=f"Treatment course {c.id}", subject=f"MRN {c.patient.mrn}")
    p = c.patient
    story: list[Flowable] = [
        Paragraph("Treatment course report", TITLE),
        cell(
            f"{p.full_name} · MRN {p.mrn} · born {p.date_of_birth:%Y-%m-%d} · indication "
            f"{c.indication} · protocol {c.protocol} · started {c.started_on:%Y-%m-%d} · "
            f"{len(c.sessions)} of {c.planned_sessions} planned infusions · exported "
            f"{exported_at:%Y-%m-%d %H:%M} UTC",
            BODY,
        ),
        Paragraph("Outcome", HEADING),
    ]
    story += [cell(_outcome_text(o), BODY) for o in c.outcomes] or [
        cell("Fewer than two responses of any scale: no change to report yet.", BODY)
    ]
    story.append(
        cell(
            "PHQ-9 response: total dropped by at least 50 % from the course's first; remission: "
            "latest total below 5. Dashed blue lines: infusions (#n).",
            SMALL,
        )
    )
    for code in SCALES:
        if any(r.scale == code for r in c.responses):
            story += [Spacer(1, 3 * mm), trend_chart(c, code, doc.width)]
    story += [
        Paragraph("Infusions", HEADING),
        _sessions(c),
        Paragraph("Questionnaires", HEADING),
        _responses(c),
        Paragraph("PHQ-9 item 9 (thoughts of self-harm) alerts", HEADING),
        *_safety(c.responses),
    ]
    doc.build(story)
    return buffer.getvalue()
