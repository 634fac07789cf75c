"""A chair in the clinic, driven through the HTTP API as the nurse's tablet would."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests import factories

CALM = {"heart_rate": 76, "systolic": 128, "diastolic": 78, "spo2": 98, "respiratory_rate": 14}


@dataclass
class Chair:
    nurse: httpx.AsyncClient
    session_id: str
    patient_id: str

    async def reading(self, **vitals: Any) -> dict[str, Any]:
        """PUT a reading taken now; unspecified vitals are the calm ones."""
        body = {**CALM, "taken_at": datetime.now(UTC).isoformat(), **vitals}
        answer = await self.nurse.put(
            f"/api/sessions/{self.session_id}/readings/{uuid.uuid4()}", json=body
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    async def move(self, to: str, **body: Any) -> dict[str, Any]:
        answer = await self.nurse.post(
            f"/api/sessions/{self.session_id}/transitions", json={"to": to, **body}
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def alerts(self, state: str | None = None) -> list[dict[str, Any]]:
        params = {"session_id": self.session_id} | ({"state": state} if state else {})
        answer = await self.nurse.get("/api/alerts", params=params)
        assert answer.status_code == 200, answer.text
        return list(answer.json())

    async def open_alert(self, rule: str) -> dict[str, Any] | None:
        found = [a for a in await self.alerts("open") if a["rule"] == rule]
        assert len(found) <= 1, f"{rule} alerts stacked: {found}"
        return found[0] if found else None

    async def acknowledge(self, alert_id: str, note: str | None = None) -> dict[str, Any]:
        answer = await self.nurse.post(f"/api/alerts/{alert_id}/acknowledge", json={"note": note})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


OpenChair = Callable[..., Awaitable[Chair]]


@pytest.fixture
def open_chair(staff: Any) -> OpenChair:
    """Admit a patient, tick the checklist, take a baseline and start the infusion."""
    count = 0

    async def open_(
        *, baseline: dict[str, Any] | None = None, phase: str = "infusion", mrn: str | None = None
    ) -> Chair:
        nonlocal count
        count += 1
        nurse = staff.nurse
        patient = await nurse.post(
            "/api/patients",
            json={
                "mrn": mrn or f"MRN-{uuid.uuid4().hex[:8]}",
                "full_name": f"Patient {count}",
                "date_of_birth": "1980-04-02",
            },
        )
        assert patient.status_code == 201, patient.text
        session = await nurse.post(
            "/api/sessions",
            json={
                "patient_id": patient.json()["id"],
                "chair_id": await factories.chair_id(nurse, f"Chair {count}"),
                "weight_kg": 72.5,
                "dose_mg_per_kg": 0.5,
            },
        )
        assert session.status_code == 201, session.text
        chair = Chair(nurse, session.json()["id"], patient.json()["id"])
        checklist = await nurse.patch(
            f"/api/sessions/{chair.session_id}/checklist",
            json={
                "identity_checked": True,
                "consent_signed": True,
                "fasting_confirmed": True,
                "escort_confirmed": True,
            },
        )
        assert checklist.status_code == 200, checklist.text
        screened = await nurse.post(
            f"/api/sessions/{chair.session_id}/screening", json=factories.screening_form()
        )
        assert screened.status_code == 201, screened.text
        first = await chair.reading(**(baseline or {}))
        assert first["reading"]["is_baseline"]
        if phase in ("infusion", "recovery"):
            await chair.move("infusion")
        if phase == "recovery":
            await chair.move("recovery")
        return chair

    return open_


@pytest.fixture
def clinic_rules(staff: Any) -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    """Change clinic rules as the admin: GET the set, replace the named ones, PUT it back."""

    async def change(**changes: dict[str, Any]) -> list[dict[str, Any]]:
        rules = (await staff.admin.get("/api/alert-rules")).json()
        edited = [{**rule, **changes.get(rule["code"], {})} for rule in rules]
        # Tests tune limits either way; loosening needs a reason (see test_rule_changes.py).
        answer = await staff.admin.put(
            "/api/alert-rules", json=edited, params={"reason": "test setup", "confirm": True}
        )
        assert answer.status_code == 200, answer.text
        return list(answer.json())

    return change
