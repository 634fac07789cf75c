"""Exports of a site's log (admins, audited): running log and dispensing report as CSV, the
biennial inventory as PDF."""

import uuid
from dataclasses import dataclass
from datetime import datetime

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.controlled import ledger, reports
from app.controlled.service import allow, load_log, site_of
from app.db import utcnow
from app.errors import Invalid
from app.exports.pdf_parts import stamp
from app.patients.models import Patient
from app.sessions.models import InfusionSession
from app.sites.models import Site


@dataclass(frozen=True)
class File:
    content: bytes
    media_type: str
    filename: str


async def _audited(
    db: AsyncSession, *, site_id: uuid.UUID, by: User, report: str, file: File, **details: object
) -> File:
    await record_audit(
        db,
        action="controlled.export",
        user=by,
        target_type="site",
        target_id=site_id,
        details={"report": report, "bytes": len(file.content), **details},
    )
    await db.commit()
    return file


def _in_range(at: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or at >= start) and (end is None or at < end)


async def log_csv(
    db: AsyncSession,
    *,
    site_id: uuid.UUID,
    by: User,
    start: datetime | None = None,
    end: datetime | None = None,
) -> File:
    await allow(db, "report", by)
    await site_of(db, site_id, by)
    entries = [e for e in (await load_log(db, site_id)).out() if _in_range(e.at, start, end)]
    file = File(reports.log_csv(entries).encode(), "text/csv", f"controlled-log-{site_id}.csv")
    return await _audited(
        db, site_id=site_id, by=by, report="log", file=file, start=start, end=end, rows=len(entries)
    )


async def dispensing_csv(
    db: AsyncSession, *, site_id: uuid.UUID, by: User, start: datetime, end: datetime
) -> File:
    await allow(db, "report", by)
    await site_of(db, site_id, by)
    log = await load_log(db, site_id)
    out = log.out()
    drawn_in_range = {e.id for e in out if e.kind == "draw" and _in_range(e.at, start, end)}
    # Wastes and corrections of those draws count even when written after the range closed.
    entries = [
        e
        for e in out
        if e.id in drawn_in_range or (e.refers_to in drawn_in_range and e.kind != "draw")
    ]
    session_ids = {e.session_id for e in entries if e.session_id}
    mrns: dict[uuid.UUID, str] = {}
    if session_ids:
        rows = await db.execute(
            select(InfusionSession.id, Patient.mrn)
            .join(Patient, Patient.id == InfusionSession.patient_id)
            .where(InfusionSession.id.in_(session_ids))
        )
        mrns = {sid: mrn for sid, mrn in rows.all()}
    ndc = {c.id: (c.ndc, c.lot) for c in log.containers.values()}
    content = reports.dispensing_csv(entries, mrns, ndc).encode()
    name = f"controlled-dispensing-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    return await _audited(
        db,
        site_id=site_id,
        by=by,
        report="dispensing",
        file=File(content, "text/csv", name),
        start=start.isoformat(),
        end=end.isoformat(),
        draws=len(drawn_in_range),
        sessions=[str(s) for s in session_ids],
    )


@dataclass(frozen=True)
class Inventory:
    site: Site
    as_of: datetime
    stock: list[reports.StockLine]
    open_discrepancies: int


async def inventory(
    db: AsyncSession, *, site_id: uuid.UUID, by: User, as_of: datetime | None
) -> Inventory:
    """Every container that held stock at `as_of`, with its balance then (21 CFR 1304.11)."""
    await allow(db, "report", by)
    site = await site_of(db, site_id, by)
    now = utcnow()
    if as_of is not None and as_of > now:
        raise Invalid("as_of", "An inventory is of what was held; that moment is in the future.")
    moment = as_of or now
    log = await load_log(db, site_id)
    facts = log.as_of(moment)
    held = ledger.balances(facts)
    stock = [
        reports.StockLine(
            label=c.label,
            drug=c.drug,
            ndc=c.ndc,
            lot=c.lot,
            expiry=c.expiry.isoformat(),
            strength=f"{c.concentration_mg_per_ml:g} mg/mL × {c.volume_ml:g} mL",
            balance_ml=held.get(c.id, 0.0),
            balance_mg=round(held.get(c.id, 0.0) * c.concentration_mg_per_ml, 1),
            opened=held.get(c.id, 0.0) < c.volume_ml,
        )
        for c in log.containers.values()
        if held.get(c.id, 0.0) > ledger.COUNT_TOLERANCE_ML
    ]
    return Inventory(site, moment, stock, len(ledger.open_discrepancies(facts)))


async def inventory_pdf(
    db: AsyncSession, *, site_id: uuid.UUID, by: User, as_of: datetime | None = None
) -> File:
    inv = await inventory(db, site_id=site_id, by=by, as_of=as_of)
    content = await anyio.to_thread.run_sync(
        lambda: reports.inventory_pdf(
            site_label=inv.site.name,
            as_of=inv.as_of,
            taken_by=by.display_name,
            stock=inv.stock,
            open_discrepancies=inv.open_discrepancies,
        )
    )
    file = File(content, "application/pdf", f"controlled-inventory-{inv.as_of:%Y%m%d}.pdf")
    return await _audited(
        db,
        site_id=site_id,
        by=by,
        report="inventory",
        file=file,
        as_of=inv.as_of.isoformat(),
        containers=len(inv.stock),
    )


async def inventory_csv(
    db: AsyncSession, *, site_id: uuid.UUID, by: User, as_of: datetime | None = None
) -> File:
    inv = await inventory(db, site_id=site_id, by=by, as_of=as_of)
    content = reports.inventory_csv(inv.stock).encode()
    file = File(content, "text/csv", f"controlled-inventory-{inv.as_of:%Y%m%d}.csv")
    return await _audited(
        db,
        site_id=site_id,
        by=by,
        report="inventory",
        file=file,
        as_of=inv.as_of.isoformat(),
        containers=len(inv.stock),
    )


async def log_pdf(
    db: AsyncSession,
    *,
    site_id: uuid.UUID,
    by: User,
    container_id: uuid.UUID | None = None,
) -> File:
    """The running log of a site, or of one container, as a printed record."""
    await allow(db, "report", by)
    site = await site_of(db, site_id, by)
    log = await load_log(db, site_id, container_id=container_id)
    entries = log.out()
    about: list[tuple[str, object]] = [("Site", site.name)]
    if container_id is not None:
        c = log.containers[container_id]
        about += [
            ("Container", c.label),
            ("Drug", f"{c.drug}, NDC {c.ndc}, lot {c.lot}, expires {c.expiry.isoformat()}"),
            ("Strength", f"{c.concentration_mg_per_ml:g} mg/mL × {c.volume_ml:g} mL"),
            ("Received", f"{stamp(c.received_at)} from {c.supplier}, invoice {c.invoice}"),
            ("Balance now", f"{log.balances().get(c.id, 0.0):g} mL"),
        ]
    now = utcnow()
    about += [("Printed", f"{stamp(now)} by {by.display_name}"), ("Entries", str(len(entries)))]
    title = "Controlled substance log" + (f": {about[1][1]}" if container_id else "")
    content = await anyio.to_thread.run_sync(
        lambda: reports.log_pdf(title=title, about=about, entries=entries)
    )
    name = f"controlled-log-{container_id or site_id}.pdf"
    return await _audited(
        db,
        site_id=site_id,
        by=by,
        report="log",
        file=File(content, "application/pdf", name),
        container=str(container_id) if container_id else None,
        rows=len(entries),
    )
