import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from app.alerts import rule_store, service
from app.alerts.schemas import (
    AcknowledgeIn,
    AlertOut,
    AlertRuleOut,
    ClinicRulesIn,
    PatientRulesIn,
    RuleOff,
)
from app.deps import Admin, Clinician, CurrentUser, Db, Physician
from app.sites.service import site_ids_of

# Three URL families (alerts, clinic rules, per-patient rules) share this module, so the prefix
# is only /api.
router = APIRouter(prefix="/api")

_VALIDATION: dict[int | str, dict[str, Any]] = {
    422: {"description": "A rule is malformed or makes no clinical sense; each message names it"}
}


@router.get("/alerts", tags=["alerts"])
async def list_alerts(
    db: Db,
    user: CurrentUser,
    state: Literal["active", "acknowledged", "resolved", "open"] | None = None,
    session_id: uuid.UUID | None = None,
) -> list[AlertOut]:
    """The latest 500 alerts at the caller's sites."""
    sites = await site_ids_of(db, user)
    return await service.list_alerts(db, state=state, session_id=session_id, site_ids=sites)


@router.post("/alerts/{alert_id}/acknowledge", tags=["alerts"])
async def acknowledge(
    alert_id: uuid.UUID, db: Db, user: Clinician, body: AcknowledgeIn | None = None
) -> AlertOut:
    sites = await site_ids_of(db, user)
    return await service.acknowledge(
        db, alert_id=alert_id, note=body.note if body else None, by=user, site_ids=sites
    )


@router.get("/alert-rules", tags=["alert rules"])
async def get_clinic_rules(db: Db, _user: CurrentUser) -> list[AlertRuleOut]:
    return [AlertRuleOut.of(rule) for rule in await rule_store.clinic_rules(db)]


Reason = Annotated[
    str | None,
    Query(
        max_length=500,
        description="Required when the change makes an alarm less sensitive (off, a limit "
        "removed or moved towards fewer alarms); shown on every dashboard while a rule is off",
    ),
]
Confirm = Annotated[
    bool, Query(description="Must be true to make an alarm less sensitive (with a reason)")
]


@router.get("/alert-rules/off", tags=["alert rules"])
async def rules_off(db: Db, user: CurrentUser) -> list[RuleOff]:
    """Rules switched off: clinic-wide, and for patients in a session at the caller's sites."""
    return await rule_store.switched_off(db, site_ids=await site_ids_of(db, user))


@router.put("/alert-rules", tags=["alert rules"], responses=_VALIDATION)
async def put_clinic_rules(
    body: ClinicRulesIn, db: Db, user: Admin, reason: Reason = None, confirm: Confirm = False
) -> list[AlertRuleOut]:
    """Replace the clinic rules: send the whole list (every rule code once), as GET returns it."""
    rules = await rule_store.replace_clinic_rules(
        db, rules=[rule.to_rule() for rule in body.root], reason=reason, confirm=confirm, by=user
    )
    return [AlertRuleOut.of(rule) for rule in rules]


@router.get("/patients/{patient_id}/alert-rules", tags=["alert rules"])
async def get_patient_rules(
    patient_id: uuid.UUID, db: Db, _user: CurrentUser
) -> list[AlertRuleOut]:
    rules = await rule_store.patient_overrides(db, patient_id=patient_id)
    return [AlertRuleOut.of(rule) for rule in rules]


@router.put("/patients/{patient_id}/alert-rules", tags=["alert rules"], responses=_VALIDATION)
async def put_patient_rules(
    patient_id: uuid.UUID,
    body: PatientRulesIn,
    db: Db,
    user: Physician,
    reason: Reason = None,
    confirm: Confirm = False,
) -> list[AlertRuleOut]:
    """Replace this patient's overrides (only the rules that differ from the clinic's)."""
    rules = await rule_store.replace_patient_overrides(
        db,
        patient_id=patient_id,
        rules=[rule.to_rule() for rule in body.root],
        reason=reason,
        confirm=confirm,
        by=user,
    )
    return [AlertRuleOut.of(rule) for rule in rules]
