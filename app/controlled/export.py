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
from app.controlled import reports
from app.controlled.service import allow, load_log, site_of
from app.db import utcnow
from app.patients.models import Patient
from app.sessions.models import InfusionSession


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
    allow("report", by)
    await site_of(db, site_id, by)
    entries = [e for e in (await load_log(db, site_id)).out() if _in_range(e.at, start, end)]
    file = File(reports.log_csv(entries).encode(), "text/csv", f"controlled-log-{site_id}.csv")
    return await _audited(
        db, site_id=site_id, by=by, report="log", file=file, start=start, end=end, rows=len(entries)
    )


async def dispensing_csv(
    db: AsyncSession, *, site_id: uuid.UUID, by: User, start: datetime, end: datetime
) -> File:
    allow("report", by)
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


async def inventory_pdf(db: AsyncSession, *, site_id: uuid.UUID, by: User) -> File:
    allow("report", by)
    site = await site_of(db, site_id, by)
    log = await load_log(db, site_id)
    held = log.balances()
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
        if held.get(c.id, 0.0) > 0
    ]
    now = utcnow()
    content = await anyio.to_thread.run_sync(
        lambda: reports.inventory_pdf(
            site_label=site.name,
            as_of=now,
            taken_by=by.display_name,
            stock=stock,
            open_discrepancies=len(log.discrepancies()),
        )
    )
    file = File(content, "application/pdf", f"controlled-inventory-{now:%Y%m%d}.pdf")
    return await _audited(
        db, site_id=site_id, by=by, report="inventory", file=file, containers=len(stock)
    )
