"""What every part of the session report shares: fonts, styles, cells, tables, times."""

from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from app.exports.pdf_chart import BOLD, FONT

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


def cell(text: object, style: ParagraphStyle = SMALL) -> Paragraph:
    # Vera has no subscript digits; the labels' "SpO₂" (app.vitals.codes) is set as a subscript.
    markup = escape("" if text is None else str(text)).replace("₂", "<sub>2</sub>")
    return Paragraph(markup, style)


def clock(moment: datetime | None) -> str:
    return moment.strftime("%H:%M") if moment else "—"


def stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def fields(rows: list[tuple[str, object]]) -> Table:
    table = Table([[cell(k, BODY), cell(v, BODY)] for k, v in rows], colWidths=[38 * mm, None])
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


def grid(header: list[str], rows: list[list[Paragraph]], widths: list[float | None]) -> Table:
    table = Table([[cell(h) for h in header], *rows], colWidths=widths, repeatRows=1)
    table.setStyle(GRID)
    return table


def a4_report(
    buffer: BinaryIO, *, title: str, subject: str, bottom_mm: float = 14
) -> SimpleDocTemplate:
    """The portrait A4 page every patient report is laid out on (session, course)."""
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=bottom_mm * mm,
        title=title,
        author="Vigil",
        subject=subject,
    )
