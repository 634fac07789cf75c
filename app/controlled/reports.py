"""The log's reports: the running log and the dispensing report as CSV, the biennial
inventory as PDF (21 CFR 1304.11). Built from a loaded `Log`; pure apart from reportlab."""

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from app.controlled import ledger
from app.controlled.schemas import EntryOut
from app.exports.pdf_parts import BODY, HEADING, TITLE, cell, fields, grid, stamp

LOG_COLUMNS = [
    "entry",
    "at",
    "recorded_at",
    "kind",
    "period",
    "container",
    "amount_ml",
    "amount_mg",
    "expected_ml",
    "change_ml",
    "balance_ml",
    "balance_mg",
    "by",
    "witness",
    "session",
    "refers_to",
    "superseded",
    "reason",
    "cause",
    "second_witness",
]


def _csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def log_csv(entries: list[EntryOut]) -> str:
    return _csv(
        LOG_COLUMNS,
        [
            [
                e.id,
                e.at.isoformat(),
                e.recorded_at.isoformat(),
                e.kind,
                e.period or "",
                e.container_label,
                e.amount_ml,
                e.amount_mg,
                "" if e.expected_ml is None else e.expected_ml,
                e.change_ml,
                e.balance_ml,
                e.balance_mg,
                e.by_name,
                e.witness_name or "",
                e.session_id or "",
                e.refers_to or "",
                "yes" if e.superseded else "",
                e.reason or "",
                e.cause or "",
                e.second_witness_name or "",
            ]
            for e in entries
        ],
    )


DISPENSING_COLUMNS = [
    "draw_entry",
    "drawn_at",
    "container",
    "ndc",
    "lot",
    "session",
    "patient_mrn",
    "drawn_ml",
    "drawn_mg",
    "wasted_ml",
    "wasted_mg",
    "administered_mg",
    "drawn_by",
    "wasted_by",
    "waste_witness",
]


def dispensing_csv(
    entries: list[EntryOut], mrns: dict[uuid.UUID, str], ndc: dict[uuid.UUID, tuple[str, str]]
) -> str:
    """One row per draw: drawn, wasted before a witness, and so administered (corrections
    applied: a superseded entry's amount is the corrected one)."""
    amounts = {e.refers_to: e for e in entries if e.kind == "correct"}

    def standing(e: EntryOut) -> tuple[float, float]:
        fixed = amounts.get(e.id)
        return (fixed.amount_ml, fixed.amount_mg) if fixed else (e.amount_ml, e.amount_mg)

    rows: list[list[object]] = []
    for d in (e for e in entries if e.kind == "draw"):
        wastes = [w for w in entries if w.kind == "waste" and w.refers_to == d.id]
        drawn_ml, drawn_mg = standing(d)
        wasted_ml = ledger.ml(sum(standing(w)[0] for w in wastes))
        wasted_mg = round(sum(standing(w)[1] for w in wastes), 1)
        code, lot = ndc[d.container_id]
        rows.append(
            [
                d.id,
                d.at.isoformat(),
                d.container_label,
                code,
                lot,
                d.session_id or "",
                mrns.get(d.session_id, "") if d.session_id else "",
                drawn_ml,
                drawn_mg,
                wasted_ml,
                wasted_mg,
                round(drawn_mg - wasted_mg, 1),
                d.by_name,
                "; ".join(w.by_name for w in wastes),
                "; ".join(w.witness_name or "" for w in wastes),
            ]
        )
    return _csv(DISPENSING_COLUMNS, rows)


@dataclass(frozen=True)
class StockLine:
    label: str
    drug: str
    ndc: str
    lot: str
    expiry: str
    strength: str
    balance_ml: float
    balance_mg: float
    opened: bool


def inventory_pdf(
    *,
    site_label: str,
    as_of: datetime,
    taken_by: str,
    stock: list[StockLine],
    open_discrepancies: int,
) -> bytes:
    """The biennial inventory: every container holding stock, by NDC and lot, with totals."""
    total_mg: dict[tuple[str, str], float] = {}
    for s in stock:
        total_mg[(s.drug, s.ndc)] = total_mg.get((s.drug, s.ndc), 0.0) + s.balance_mg
    story: list[Flowable] = [
        Paragraph("Controlled substance inventory (Schedule III)", TITLE),
        Paragraph(
            "Biennial inventory, 21 CFR 1304.11; balances computed from the site's log.", BODY
        ),
        Spacer(1, 3 * mm),
        fields(
            [
                ("Site", site_label),
                ("Taken as of", stamp(as_of)),
                ("Taken by", taken_by),
                ("Containers with stock", str(len(stock))),
                ("Open discrepancies", str(open_discrepancies) if open_discrepancies else "none"),
            ]
        ),
        Paragraph("Containers", HEADING),
        grid(
            [
                "Container",
                "Drug",
                "NDC",
                "Lot",
                "Expiry",
                "Strength",
                "Opened",
                "Balance mL",
                "Balance mg",
            ],
            [
                [
                    cell(s.label),
                    cell(s.drug),
                    cell(s.ndc),
                    cell(s.lot),
                    cell(s.expiry),
                    cell(s.strength),
                    cell("yes" if s.opened else "no"),
                    cell(f"{s.balance_ml:g}"),
                    cell(f"{s.balance_mg:g}"),
                ]
                for s in stock
            ],
            [40 * mm, 24 * mm, 28 * mm, 28 * mm, 22 * mm, 34 * mm, 16 * mm, 24 * mm, 24 * mm],
        ),
        Paragraph("Totals", HEADING),
        grid(
            ["Drug", "NDC", "Total mg"],
            [[cell(d), cell(n), cell(f"{mg:g}")] for (d, n), mg in sorted(total_mg.items())],
            [40 * mm, 40 * mm, 30 * mm],
        ),
        Spacer(1, 10 * mm),
        Paragraph(
            "Signature of the registrant or agent: ______________________________    "
            "Date: ______________",
            BODY,
        ),
    ]
    return _build("Controlled substance inventory", story)


def _landscape(buffer: io.BytesIO, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author="Vigil",
    )


def _build(title: str, story: list[Flowable]) -> bytes:
    buffer = io.BytesIO()
    for flowable in story:
        flowable.hAlign = "LEFT"
    _landscape(buffer, title).build(story)
    return buffer.getvalue()


def _amount(e: EntryOut) -> str:
    if e.kind == "count" and e.expected_ml is not None:
        diff = ledger.ml(e.amount_ml - e.expected_ml)
        off = f"; DISCREPANCY {diff:+g} mL" if ledger.differs(e.amount_ml, e.expected_ml) else ""
        return f"counted {e.amount_ml:g} mL (log: {e.expected_ml:g}{off})"
    return f"{e.amount_ml:g} mL · {e.amount_mg:g} mg"


def _witnesses(e: EntryOut) -> str:
    return " & ".join(n for n in (e.witness_name, e.second_witness_name) if n)


def _what(e: EntryOut) -> str:
    parts = [e.kind + (f" ({e.period})" if e.period else "") + (f" ({e.cause})" if e.cause else "")]
    if e.refers_to:
        parts.append(f"of #{e.refers_to}")
    if e.superseded:
        parts.append("corrected later")
    return " ".join(parts)


def log_pdf(*, title: str, about: list[tuple[str, object]], entries: list[EntryOut]) -> bytes:
    """The running log as a printed page: every entry, its change and the balance after it."""
    story: list[Flowable] = [
        Paragraph(title, TITLE),
        Paragraph(
            "Schedule III record (21 CFR 1304.22): every entry as written, corrections as later"
            " entries; balances folded from the entries.",
            BODY,
        ),
        Spacer(1, 3 * mm),
        fields(about),
        Paragraph("Entries", HEADING),
        grid(
            [
                "#",
                "At",
                "Container",
                "Entry",
                "Amount",
                "Change mL",
                "Balance",
                "By",
                "Witness",
                "Reason",
            ],
            [
                [
                    cell(e.id),
                    cell(stamp(e.at)),
                    cell(e.container_label),
                    cell(_what(e)),
                    cell(_amount(e)),
                    cell(f"{e.change_ml:+g}" if e.change_ml else "0"),
                    cell(f"{e.balance_ml:g} mL · {e.balance_mg:g} mg"),
                    cell(e.by_name),
                    cell(_witnesses(e)),
                    cell(e.reason or ""),
                ]
                for e in entries
            ],
            [12 * mm, 31 * mm, 28 * mm, 24 * mm, 36 * mm, 16 * mm, 28 * mm, 24 * mm, 28 * mm, None],
        ),
    ]
    if not entries:
        story.append(Paragraph("No entries.", BODY))
    return _build(title, story)


INVENTORY_COLUMNS = [
    "container",
    "drug",
    "ndc",
    "lot",
    "expiry",
    "strength",
    "opened",
    "balance_ml",
    "balance_mg",
]


def inventory_csv(stock: list[StockLine]) -> str:
    return _csv(
        INVENTORY_COLUMNS,
        [
            [
                s.label,
                s.drug,
                s.ndc,
                s.lot,
                s.expiry,
                s.strength,
                "yes" if s.opened else "no",
                s.balance_ml,
                s.balance_mg,
            ]
            for s in stock
        ],
    )
