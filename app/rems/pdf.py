"""The pre-filled REMS form as a PDF with fillable fields (AcroForm), so staff complete what
Vigil does not know and the REMS portal or a fax gets the whole form. Pure."""

import io

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.exports import pdf_parts  # noqa: F401  (registers the report fonts)
from app.exports.pdf_chart import BOLD, FONT
from app.exports.schemas import SessionRecord
from app.rems.form import SUBMIT_WITHIN, Field, monitoring_fields

SECTIONS = (
    ("Patient information", ("patient_",)),
    ("Concomitant medication (may cause sedation or blood pressure changes)", ("med_",)),
    ("Healthcare provider conducting patient monitoring", ("provider_",)),
    ("Healthcare setting information", ("setting_",)),
    (
        "Patient treatment session information (administration and monitoring)",
        ("treatment_", "dose", "lot", "total_", "ready_"),
    ),
    ("Monitoring of vital signs and blood pressure", ("vitals_", "bp_")),
    ("Did the patient experience", ("sedation", "dissociation", "respiratory_")),
)


def _section_of(field: Field) -> int:
    for index, (_, prefixes) in enumerate(SECTIONS):
        if field.name.startswith(prefixes):
            return index
    raise ValueError(field.name)


def rems_pdf(record: SessionRecord) -> bytes:
    fields = monitoring_fields(record)
    buffer = io.BytesIO()
    page = Canvas(buffer, pagesize=LETTER)
    page.setTitle(f"SPRAVATO REMS Patient Monitoring Form, session {record.session.id}")
    page.setAuthor("Vigil")
    width, height = LETTER
    left, y = 18 * mm, height - 18 * mm
    page.setFont(BOLD, 13)
    page.drawString(left, y, "SPRAVATO® REMS Patient Monitoring Form — Outpatient Use Only")
    y -= 6 * mm
    page.setFont(FONT, 8)
    ended = next((p.at for p in record.session.phase_history if p.to_phase == "discharged"), None)
    due = f"submit by {(ended + SUBMIT_WITHIN).strftime('%Y-%m-%d')}" if ended else "not discharged"
    page.drawString(
        left,
        y,
        f"Pre-filled by Vigil from session {record.session.id} "
        f"(MRN {record.session.patient.mrn}); {due}.",
    )
    y -= 3.6 * mm
    page.drawString(left, y, "Check every field; the empty ones are not recorded in Vigil.")
    y -= 4 * mm
    form = page.acroForm
    current = -1
    for field in fields:
        section = _section_of(field)
        if section != current:
            current = section
            y -= 5 * mm
            page.setFont(BOLD, 9.5)
            page.drawString(left, y, SECTIONS[section][0])
            y -= 1.5 * mm
        y -= 6.2 * mm
        page.setFont(FONT, 8.5)
        page.drawString(left + 2 * mm, y + 1.2 * mm, field.label)
        x = left + 112 * mm
        if field.kind == "yesno":
            for offset, choice in ((0, "Yes"), (18 * mm, "No")):
                form.checkbox(
                    name=f"{field.name}_{choice.lower()}",
                    tooltip=f"{field.label}: {choice}",
                    x=x + offset,
                    y=y,
                    size=4.2 * mm,
                    checked=field.value == choice,
                    buttonStyle="check",
                    borderWidth=0.6,
                )
                page.drawString(x + offset + 5.5 * mm, y + 1.2 * mm, choice)
        else:
            form.textfield(
                name=field.name,
                tooltip=field.label,
                value=field.value,
                x=x,
                y=y - 0.5 * mm,
                width=width - x - left,
                height=5.2 * mm,
                fontName="Helvetica",
                fontSize=8.5,
                borderWidth=0.6,
            )
    page.showPage()
    page.save()
    return buffer.getvalue()
