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

from app.alerts.models import AlertRule
from app.alerts.rules import DEFAULT_RULES, Rule, merge_rules, rule_from_dict, rule_to_dict
from app.audit.service import record_audit
from app.auth.models import User
from app.db import utcnow
from app.events import take_journal_lock
from app.patients.service import get_patient

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


async def rules_by_patient(
    db: AsyncSession, patient_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[Rule, ...]]:
    """The rules that judge each patient's readings: clinic set, patient overrides in place.
    One query, whatever the number of patients."""
    ids = set(patient_ids)
    rows = (await db.scalars(_CLINIC_AND_PATIENTS, {"ids": list(ids)})).all()
    overrides: dict[uuid.UUID | None, list[Rule]] = {}
    for row in rows:
        overrides.setdefault(row.patient_id, []).append(rule_from_dict(row.definition))
    clinic = merge_rules(DEFAULT_RULES, overrides.get(None, []))
    return {pid: merge_rules(clinic, overrides.get(pid, [])) for pid in ids}


async def rules_for(db: AsyncSession, *, patient_id: uuid.UUID) -> tuple[Rule, ...]:
    return (await rules_by_patient(db, [patient_id]))[patient_id]


async def _replace(
    db: AsyncSession,
    *,
    patient_id: uuid.UUID | None,
    rules: Sequence[Rule],
    before_default: Mapping[str, Rule],
    by: User,
) -> None:
    """Make the stored rules of one scope equal `rules`; one audit entry per rule that changed."""
    # Taken before reading, so two editors are serialised and each audit's "before" is true.
    await take_journal_lock(db)
    rows = await _rows(db, patient_id)
    wanted = {rule.code: rule for rule in rules}
    now = utcnow()
    for code in sorted(rows.keys() | wanted.keys(), key=lambda c: _ORDER.get(c, len(_ORDER))):
        row = rows.get(code)
        before = rule_from_dict(row.definition) if row is not None else before_default.get(code)
        after = wanted.get(code)
        if before == after:
            continue
        if after is None:
            await db.delete(row)
        elif row is None:
            db.add(
                AlertRule(
                    code=code,
                    patient_id=patient_id,
                    definition=rule_to_dict(after),
                    updated_at=now,
                    updated_by=by.id,
                )
            )
        else:
            row.definition, row.updated_at, row.updated_by = rule_to_dict(after), now, by.id
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
            },
        )
    await db.commit()


async def replace_clinic_rules(
    db: AsyncSession, *, rules: Sequence[Rule], by: User
) -> tuple[Rule, ...]:
    await _replace(db, patient_id=None, rules=rules, before_default=_DEFAULTS, by=by)
    return await clinic_rules(db)


async def replace_patient_overrides(
    db: AsyncSession, *, patient_id: uuid.UUID, rules: Sequence[Rule], by: User
) -> list[Rule]:
    """The patient's overrides become exactly `rules`; [] returns the patient to clinic rules."""
    await get_patient(db, patient_id)
    await _replace(db, patient_id=patient_id, rules=rules, before_default={}, by=by)
    return await patient_overrides(db, patient_id=patient_id)
