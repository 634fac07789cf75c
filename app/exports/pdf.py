"""The session report a clinic files: header, dose and times, chart, readings, alerts, discharge
and sign-off. Pure: a SessionRecord in, PDF bytes out.
"""

import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.exports.pdf_chart import BOLD, FONT, vitals_chart
from app.exports.schemas import ExportReading, SessionRecord

# Bitstream Vera ships with reportlab and, unlike the built-in Helvetica, has ≥ and ≤ (alert
# messages use them) and embeds, so the text can be searched and extracted.
_FONTS = Path(reportlab.__file__).parent / "fonts"
pdfmetrics.registerFont(TTFont(FONT, str(_FONTS / "Vera.ttf")))
pdfmetrics.registerFont(TTFont(BOLD, str(_FONTS / "VeraBd.ttf")))

BODY = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7, leading=8.5)
TITLE = ParagraphStyle("title", parent=BODY, fontName=BOLD, fontSize=15, leading=19)
HEADING = ParagraphStyle(
    "heading", parent=BODY, fontName=BOLD, fontSize=10.5, leading=14, spaceBefore=8, spaceAfter=3
)
GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, 7),
        ("FONT", (0, 0), (-1, 0), BOLD, 7),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
)
STATUS_TEXT = {"final": "", "amended": "corrected later", "entered_in_error": "ENTERED IN ERROR"}


def _p(text: object, style: ParagraphStyle = SMALL) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)), style)


def _time(moment: datetime | None) -> str:
    return moment.strftime("%H:%M") if moment else "—"


def _stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _fields(rows: list[tuple[str, object]]) -> Table:
    table = Table([[_p(k, BODY), _p(v, BODY)] for k, v in rows], colWidths=[38 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), BOLD, 8.5),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
            ]
        )
    )
    return table


def _grid(header: list[str], rows: list[list[Paragraph]], widths: list[float | None]) -> Table:
    table = Table([[_p(h) for h in header], *rows], colWidths=widths, repeatRows=1)
    table.setStyle(GRID)
    return table


def _reading_row(r: ExportReading) -> list[Paragraph]:
    bp = f"{r.systolic}/{r.diastolic}"
    status = STATUS_TEXT[r.status]
    if r.amends is not None:
        status = f"correction: {r.amend_reason}" + (f"; {status}" if status else "")
    if r.error_reason:
        status += f": {r.error_reason}"
    news2 = f"{r.news2.score}{'*' if r.news2.partial else ''}"
    values = [
        _time(r.taken_at),
        r.phase.replace("_", "-"),
        r.heart_rate,
        bp,
        r.spo2,
        r.respiratory_rate,
        r.temperature_c,
        r.consciousness,
        r.sedation_rass,
        news2,
        ", ".join(r.alerts),
        r.recorded_by_username,
        status,
    ]
    return [_p("" if v is None else v) for v in values]


def _header(record: SessionRecord) -> list[Flowable]:
    s = record.session
    staff = ", ".join(f"{p.display_name} ({p.role})" for p in record.staff)
    return [
        Paragraph("Infusion session report", TITLE),
        _fields(
            [
                ("Patient", s.patient.full_name),
                ("MRN", s.patient.mrn),
                ("Date of birth", s.patient.date_of_birth.isoformat()),
                ("Session date", s.created_at.strftime("%Y-%m-%d")),
                ("Chair / location", s.location),
                ("Staff", staff or "—"),
                ("Outcome", s.phase.replace("_", "-")),
                ("Session", str(s.id)),
            ]
        ),
        Paragraph("Dose and times (UTC)", HEADING),
        _fields(
            [
                ("Drug", f"{s.drug}, IV"),
                (
                    "Dose",
                    f"{s.dose_mg_per_kg:g} mg/kg × {s.weight_kg:g} kg = {s.total_dose_mg:g} mg",
                ),
                ("Planned duration", f"{s.planned_minutes} min"),
                ("Session opened", _stamp(s.created_at)),
                ("Infusion started", _stamp(s.infusion_started_at)),
                ("Infusion stopped", _stamp(s.infusion_ended_at)),
            ]
        ),
        _grid(
            ["Time", "Phase", "By", "Reason", "Override"],
            [
                [
                    _p(_time(p.at)),
                    _p(p.to_phase.replace("_", "-")),
                    _p(record.staff_name(p.by)),
                    _p(p.reason or ""),
                    _p("yes" if p.override else ""),
                ]
                for p in s.phase_history
            ],
            [16 * mm, 24 * mm, 34 * mm, None, 16 * mm],
        ),
    ]


def _alerts(record: SessionRecord) -> list[Flowable]:
    if not record.alerts:
        return [_p("No alerts were raised.", BODY)]
    rows = []
    for number, a in enumerate(record.alerts, start=1):
        ack = "—"
        if a.acknowledged_at:
            ack = f"{_time(a.acknowledged_at)} {record.staff_name(a.acknowledged_by)}"
            ack += f": {a.ack_note}" if a.ack_note else ""
        resolved = f"{_time(a.resolved_at)} {a.resolved_reason or ''}" if a.resolved_at else "—"
        rows.append(
            [
                _p(number),
                _p(_time(a.raised_at)),
                _p(a.priority),
                _p(a.message),
                _p(a.state),
                _p(ack),
                _p(resolved),
            ]
        )
    widths = [7 * mm, 12 * mm, 14 * mm, None, 20 * mm, 36 * mm, 36 * mm]
    return [
        _grid(
            ["#", "Raised", "Priority", "Message", "State", "Acknowledged", "Resolved"],
            rows,
            widths,
        )
    ]


def _discharge(record: SessionRecord) -> list[Flowable]:
    s = record.session
    flow: list[Flowable] = []
    if s.aldrete is not None:
        items = s.aldrete.model_dump()
        rows = [[_p(k.replace("_", " ")), _p(v)] for k, v in items.items()]
        rows.append([_p("Total (≥ 9 to discharge)"), _p(s.aldrete.total)])
        flow.append(_grid(["Modified Aldrete item", "Score"], rows, [60 * mm, 20 * mm]))
    else:
        flow.append(_p("Modified Aldrete score: not recorded.", BODY))
    flow.append(Spacer(1, 4))
    flow.append(
        _grid(
            ["Discharge criterion", "Met", "Detail"],
            [
                [_p(c.name.replace("_", " ")), _p("yes" if c.met else "NO"), _p(c.detail)]
                for c in s.discharge.criteria
            ],
            [45 * mm, 12 * mm, None],
        )
    )
    return flow


def _sign_off() -> list[Flowable]:
    line = "_" * 34
    rows = [
        [
            _p(role, BODY),
            _p(f"Name {line}", BODY),
            _p("Signature " + "_" * 22, BODY),
            _p("Date ________", BODY),
        ]
        for role in ("Nurse", "Physician")
    ]
    table = Table(rows, colWidths=[22 * mm, 68 * mm, 55 * mm, None], rowHeights=12 * mm)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return [table]


def _footer(record: SessionRecord) -> Callable[[Canvas, BaseDocTemplate], None]:
    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        text = (
            f"{record.session.patient.full_name} · MRN {record.session.patient.mrn} · "
            f"exported {_stamp(record.exported_at)} · page {doc.page}"
        )
        canvas.drawString(15 * mm, 8 * mm, text)
        canvas.restoreState()

    return draw


def session_pdf(record: SessionRecord) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=f"Infusion session {record.session.id}",
        author="Vigil",
        subject=f"MRN {record.session.patient.mrn}",
    )
    notes = [item for item in record.timeline if item.type == "session.note_added"]
    story: list[Flowable] = [
        *_header(record),
        Paragraph("Vitals", HEADING),
        vitals_chart(record, doc.width),
        Paragraph("Readings (all entries, corrections kept; * NEWS2 partial)", HEADING),
        _grid(
            [
                "Time",
                "Phase",
                "HR",
                "BP",
                "SpO2",
                "RR",
                "Temp",
                "ACVPU",
                "RASS",
                "NEWS2",
                "Alerts",
                "By",
                "Status",
            ],
            [_reading_row(r) for r in record.readings],
            [
                11 * mm,
                16 * mm,
                8 * mm,
                14 * mm,
                9 * mm,
                7 * mm,
                9 * mm,
                10 * mm,
                9 * mm,
                11 * mm,
                24 * mm,
                16 * mm,
                None,
            ],
        ),
        Paragraph("Alerts", HEADING),
        *_alerts(record),
    ]
    if notes:
        story.append(Paragraph("Notes and clinical events", HEADING))
        story.append(
            _grid(
                ["Time", "Kind", "Text"],
                [
                    [_p(_time(n.at)), _p(_note(n.data, "kind")), _p(_note(n.data, "text"))]
                    for n in notes
                ],
                [16 * mm, 24 * mm, None],
            )
        )
    story += [
        Paragraph("Discharge", HEADING),
        *_discharge(record),
        Paragraph("Sign-off", HEADING),
        *_sign_off(),
    ]
    footer = _footer(record)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _note(data: dict[str, object], key: str) -> str:
    note = data.get("note")
    return str(note.get(key, "")) if isinstance(note, dict) else ""
