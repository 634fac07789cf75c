"""The session report a clinic files: header, dose and times, chart, readings, alerts, discharge
and sign-off. Pure: a SessionRecord in, PDF bytes out.
"""

import io
from collections.abc import Callable

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from app.exports.pdf_chart import FONT, vitals_chart
from app.exports.pdf_parts import (
    BODY,
    HEADING,
    STATUS_TEXT,
    TITLE,
    a4_report,
    cell,
    clock,
    fields,
    grid,
    stamp,
)
from app.exports.pdf_record import clinical_part, dose_fields, infusion_part, screening_part
from app.exports.schemas import ExportReading, SessionRecord
from app.vitals.codes import bp_text


def _recorded_by(r: ExportReading) -> str:
    if r.source == "manual":
        return r.recorded_by_username
    # The monitor's id (16 hex digits) would not fit the column: it is in the CSV and FHIR.
    if r.validated_by_username:
        return f"monitor, validated by {r.validated_by_username}"
    return "monitor, NOT validated"


def _reading_row(r: ExportReading) -> list[Paragraph]:
    bp = bp_text(r.systolic, r.diastolic)
    status = STATUS_TEXT[r.status]
    if r.amends is not None:
        status = f"correction: {r.amend_reason}" + (f"; {status}" if status else "")
    if r.error_reason:
        status += f": {r.error_reason}"
    if r.late_reason:
        status = f"LATE ENTRY: {r.late_reason}" + (f"; {status}" if status else "")
    news2 = f"{r.news2.score}{'*' if r.news2.partial else ''}" if r.news2 else ""
    values = [
        clock(r.taken_at),
        r.phase.replace("_", "-"),
        r.heart_rate,
        bp,
        r.spo2,
        r.respiratory_rate,
        r.temperature_c,
        r.consciousness,
        r.sedation_rass,
        r.dissociation_cadss6,
        news2,
        ", ".join(r.alerts),
        _recorded_by(r),
        status,
    ]
    return [cell("" if v is None else v) for v in values]


def _header(record: SessionRecord) -> list[Flowable]:
    s = record.session
    staff = ", ".join(f"{p.display_name} ({p.role})" for p in record.staff)
    return [
        Paragraph("Infusion session report", TITLE),
        fields(
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
        fields(
            [
                *dose_fields(record),
                ("Session opened", stamp(s.created_at)),
                ("Infusion started", stamp(s.infusion_started_at)),
                ("Infusion stopped", stamp(s.infusion_ended_at)),
            ]
        ),
        grid(
            ["Time", "Phase", "By", "Reason", "Override"],
            [
                [
                    cell(clock(p.at)),
                    cell(p.to_phase.replace("_", "-")),
                    cell(record.staff_name(p.by)),
                    cell(p.reason or ""),
                    cell("yes" if p.override else ""),
                ]
                for p in s.phase_history
            ],
            [16 * mm, 24 * mm, 34 * mm, None, 16 * mm],
        ),
    ]


def _alerts(record: SessionRecord) -> list[Flowable]:
    if not record.alerts:
        return [cell("No alerts were raised.", BODY)]
    rows = []
    for number, a in enumerate(record.alerts, start=1):
        ack = "—"
        if a.acknowledged_at:
            ack = f"{clock(a.acknowledged_at)} {record.staff_name(a.acknowledged_by)}"
            ack += f": {a.ack_note}" if a.ack_note else ""
        resolved = f"{clock(a.resolved_at)} {a.resolved_reason or ''}" if a.resolved_at else "—"
        rows.append(
            [
                cell(number),
                cell(clock(a.raised_at)),
                cell(a.priority),
                cell(a.message),
                cell(a.state),
                cell(ack),
                cell(resolved),
            ]
        )
    widths = [7 * mm, 12 * mm, 14 * mm, None, 20 * mm, 36 * mm, 36 * mm]
    return [
        grid(
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
        rows = [[cell(k.replace("_", " ")), cell(v)] for k, v in items.items()]
        rows.append([cell("Total (≥ 9 to discharge)"), cell(s.aldrete.total)])
        flow.append(grid(["Modified Aldrete item", "Score"], rows, [60 * mm, 20 * mm]))
    else:
        flow.append(cell("Modified Aldrete score: not recorded.", BODY))
    flow.append(Spacer(1, 4))
    flow.append(
        grid(
            ["Discharge criterion", "Met", "Detail"],
            [
                [cell(c.name.replace("_", " ")), cell("yes" if c.met else "NO"), cell(c.detail)]
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
            cell(role, BODY),
            cell(f"Name {line}", BODY),
            cell("Signature " + "_" * 22, BODY),
            cell("Date ________", BODY),
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
            f"exported {stamp(record.exported_at)} · page {doc.page}"
        )
        canvas.drawString(15 * mm, 8 * mm, text)
        canvas.restoreState()

    return draw


def session_pdf(record: SessionRecord) -> bytes:
    buffer = io.BytesIO()
    doc = a4_report(
        buffer,
        title=f"Infusion session {record.session.id}",
        subject=f"MRN {record.session.patient.mrn}",
        bottom_mm=16,
    )
    notes = [item for item in record.timeline if item.type == "session.note_added"]
    story: list[Flowable] = [
        *_header(record),
        Paragraph("Vitals", HEADING),
        vitals_chart(record, doc.width),
        Paragraph("Readings (all entries, corrections kept; * NEWS2 partial)", HEADING),
        grid(
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
                "CADSS",
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
                9 * mm,
                11 * mm,
                20 * mm,
                16 * mm,
                None,
            ],
        ),
        *screening_part(record),
        *infusion_part(record),
        *clinical_part(record),
        Paragraph("Alerts", HEADING),
        *_alerts(record),
    ]
    if notes:
        story.append(Paragraph("Notes and clinical events", HEADING))
        story.append(
            grid(
                ["Time", "Kind", "Text"],
                [
                    [cell(clock(n.at)), cell(_note(n.data, "kind")), cell(_note(n.data, "text"))]
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
