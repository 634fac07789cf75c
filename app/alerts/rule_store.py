"""Alert rules as data (DESIGN §3): the clinic set an admin edits, per-patient overrides a
physician sets, each change audited.

The migration seeds every default into `alert_rule`, but a code without a row still falls back
to its built-in default: an unseeded database, or a rule added in a release whose data has not
been migrated, must alarm with the signed-off defaults rather than not at all. Switching a rule
off is therefore always explicit (`enabled: false`) and audited, never an absent row.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.alerts.models import AlertRule
from app.alerts.rules import (
    DEFAULT_RULES,
    RULE_NAMES,
    Rule,
    loosening,
    merge_rules,
    rule_from_dict,
    rule_to_dict,
)
from app.alerts.schemas import RuleOff
from app.audit.service import record_audit
from app.auth.models import User
from app.db import utcnow
from app.errors import Invalid
from app.events import record_event, take_journal_lock
from app.patients.models import Patient
from app.patients.service import get_patient
from app.sessions.models import InfusionSession
from app.sessions.phases import ACTIVE

_DEFAULTS: dict[str, Rule] = {rule.code: rule for rule in DEFAULT_RULES}
_ORDER: dict[str, int] = {code: i for i, code in enumerate(_DEFAULTS)}


def _in_default_order(rules: Sequence[Rule]) -> list[Rule]:
    return sorted(rules, key=lambda rule: _ORDER.get(rule.code, len(_ORDER)))


async def _rows(db: AsyncSession, patient_id: uuid.UUID | None) -> dict[str, AlertRule]:
    scope = (
        AlertRule.patient_id.is_(None) if patient_id is None else AlertRule.patient_id == patient_id
    )
    return {row.code: row for row in (await db.scalars(select(AlertRule).where(scope))).all()}


async def clinic_rules(db: AsyncSession) -> tuple[Rule, ...]:
    stored = [rule_from_dict(row.definition) for row in (await _rows(db, None)).values()]
    return merge_rules(DEFAULT_RULES, stored)


async def patient_overrides(db: AsyncSession, *, patient_id: uuid.UUID) -> list[Rule]:
    await get_patient(db, patient_id)
    rows = (await _rows(db, patient_id)).values()
    return _in_default_order([rule_from_dict(row.definition) for row in rows])


_CLINIC_AND_PATIENTS = select(AlertRule).where(
    AlertRule.patient_id.is_(None) | AlertRule.patient_id.in_(bindparam("ids", expanding=True))
)


def rules_by_patient(
    session: Session, patient_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[Rule, ...]]:
    """The rules that judge each patient's readings: clinic set, patient overrides in place.
    One query, whatever the number of patients (async callers: `db.run_sync`)."""
    ids = set(patient_ids)
    rows = session.scalars(_CLINIC_AND_PATIENTS, {"ids": list(ids)}).all()
    overrides: dict[uuid.UUID | None, list[Rule]] = {}
    for row in rows:
        overrides.setdefault(row.patient_id, []).append(rule_from_dict(row.definition))
    clinic = merge_rules(DEFAULT_RULES, overrides.get(None, []))
    return {pid: merge_rules(clinic, overrides.get(pid, [])) for pid in ids}


async def rules_for(db: AsyncSession, *, patient_id: uuid.UUID) -> tuple[Rule, ...]:
    return (await db.run_sync(rules_by_patient, [patient_id]))[patient_id]


def check_loosening(loosened: Sequence[str], *, reason: str | None, confirm: bool) -> None:
    """Making alarms less sensitive needs a reason and an explicit confirmation (422 otherwise),
    so a single click can never switch an alarm off."""
    if not loosened:
        return
    what = "; ".join(loosened)
    if not reason:
        raise Invalid("reason", f"Give a reason: this change makes alarms less sensitive ({what}).")
    if not confirm:
        raise Invalid("confirm", f"Confirm that alarms become less sensitive ({what}).")


async def _replace(
    db: AsyncSession,
    *,
    patient_id: uuid.UUID | None,
    rules: Sequence[Rule],
    before_default: Mapping[str, Rule],
    effective: Mapping[str, Rule],
    reason: str | None,
    confirm: bool,
    by: User,
) -> None:
    """Make the stored rules of one scope equal `rules`; one audit entry per rule that changed.
    `effective`: the rules that judge this scope now, against which loosening is measured."""
    # Taken before reading, so two editors are serialised and each audit's "before" is true.
    await take_journal_lock(db)
    rows = await _rows(db, patient_id)
    wanted = {rule.code: rule for rule in rules}
    now = utcnow()
    reason = (reason or "").strip() or None
    codes = sorted(rows.keys() | wanted.keys(), key=lambda c: _ORDER.get(c, len(_ORDER)))
    loosened = {
        code: loosening(
            rule_from_dict(rows[code].definition) if code in rows else effective.get(code),
            wanted.get(code, effective.get(code) if patient_id is not None else None),
        )
        for code in codes
    }
    check_loosening(
        [w for words in loosened.values() for w in words], reason=reason, confirm=confirm
    )
    for code in codes:
        row = rows.get(code)
        before = rule_from_dict(row.definition) if row is not None else before_default.get(code)
        after = wanted.get(code)
        if before == after:
            continue
        if after is None:
            await db.delete(row)
        else:
            if row is None:
                row = AlertRule(code=code, patient_id=patient_id, definition={})
                db.add(row)
            was_off = before is not None and not before.enabled
            row.definition, row.updated_at, row.updated_by = rule_to_dict(after), now, by.id
            row.reason = reason if loosened[code] else row.reason
            if not after.enabled and not was_off:
                row.disabled_at = now
            elif after.enabled:
                row.disabled_at = None
        await record_audit(
            db,
            action="alert_rule.update",
            user=by,
            target_type="alert_rule",
            target_id=code,
            details={
                "scope": "clinic" if patient_id is None else "patient",
                "patient_id": str(patient_id) if patient_id is not None else None,
                "before": rule_to_dict(before) if before is not None else None,
                "after": rule_to_dict(after) if after is not None else None,
                "loosened": loosened[code],
                "reason": reason if loosened[code] else None,
            },
        )
    await db.commit()
    # Every dashboard re-reads what is switched off (no PHI in the event).
    await publish_rules_changed(db)


async def replace_clinic_rules(
    db: AsyncSession, *, rules: Sequence[Rule], reason: str | None, confirm: bool, by: User
) -> tuple[Rule, ...]:
    current = {rule.code: rule for rule in await clinic_rules(db)}
    await _replace(
        db,
        patient_id=None,
        rules=rules,
        before_default=_DEFAULTS,
        effective=current,
        reason=reason,
        confirm=confirm,
        by=by,
    )
    return await clinic_rules(db)


async def replace_patient_overrides(
    db: AsyncSession,
    *,
    patient_id: uuid.UUID,
    rules: Sequence[Rule],
    reason: str | None,
    confirm: bool,
    by: User,
) -> list[Rule]:
    """The patient's overrides become exactly `rules`; [] returns the patient to clinic rules."""
    await get_patient(db, patient_id)
    current = {rule.code: rule for rule in await rules_for(db, patient_id=patient_id)}
    await _replace(
        db,
        patient_id=patient_id,
        rules=rules,
        before_default={},
        effective=current,
        reason=reason,
        confirm=confirm,
        by=by,
    )
    return await patient_overrides(db, patient_id=patient_id)


async def publish_rules_changed(db: AsyncSession) -> None:
    await record_event(db, type="alert_rules.changed", session_id=None, data={})
    await db.commit()


async def switched_off(db: AsyncSession, *, site_ids: set[uuid.UUID] | None) -> list[RuleOff]:
    """Clinic rules that are off, and patient rules that are off for a patient in an active
    session at `site_ids` (None: every site): what every dashboard must show."""
    rows = (
        await db.execute(
            select(AlertRule, User.display_name)
            .outerjoin(User, User.id == AlertRule.updated_by)
            .where(AlertRule.disabled_at.is_not(None))
        )
    ).all()
    patients = {row.patient_id for row, _ in rows if row.patient_id is not None}
    where: dict[uuid.UUID, tuple[str, str]] = {}
    if patients:
        active = select(InfusionSession.patient_id, InfusionSession.location, Patient.full_name)
        active = active.join(Patient, Patient.id == InfusionSession.patient_id).where(
            InfusionSession.patient_id.in_(patients), InfusionSession.phase.in_(ACTIVE)
        )
        if site_ids is not None:
            active = active.where(InfusionSession.site_id.in_(site_ids))
        where = {pid: (loc, name) for pid, loc, name in (await db.execute(active)).all()}
    shown: list[RuleOff] = []
    for row, by_name in rows:
        if row.patient_id is not None and row.patient_id not in where:
            continue
        location, patient = (
            where.get(row.patient_id, (None, None)) if row.patient_id else (None, None)
        )
        shown.append(
            RuleOff(
                code=row.code,
                name=RULE_NAMES.get(row.code, row.code),
                scope="clinic" if row.patient_id is None else "patient",
                patient_id=row.patient_id,
                patient_name=patient,
                location=location,
                since=row.disabled_at,
                by=by_name,
                reason=row.reason,
            )
        )
    return sorted(shown, key=lambda r: (r.scope, _ORDER.get(r.code, len(_ORDER))))
