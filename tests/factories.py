"""Builders for test data: through the real HTTP API, and export rows as the exports build them."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.demo import clear_screening
from app.exports.schemas import ExportReading
from app.sessions.schemas import News2Out

_mrn = iter(range(100000, 999999))


def vitals(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "taken_at": datetime.now(UTC).isoformat(),
        "heart_rate": 72,
        "systolic": 124,
        "diastolic": 78,
        "spo2": 98,
        "respiratory_rate": 14,
    }
    body.update(overrides)
    return body


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


async def patient(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    body = {"mrn": f"MRN-{next(_mrn)}", "full_name": "Alex Rivera", "date_of_birth": "1980-04-02"}
    body.update(overrides)
    answer = await client.post("/api/patients", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def chair_id(client: httpx.AsyncClient, name: str | None = None) -> str:
    """The chair called `name`, or else the first free chair of the caller's first site."""
    sites = (await client.get("/api/sites")).json()
    chairs = [c for site in sites for c in site["chairs"]]
    if name is not None:
        return next(c["id"] for c in chairs if c["name"] == name)  # type: ignore[no-any-return]
    return next(c["id"] for c in chairs if c["session_id"] is None)  # type: ignore[no-any-return]


async def session(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A new session; `location="Chair 3"` picks that chair, otherwise the first free one."""
    if "patient_id" not in overrides:
        overrides["patient_id"] = (await patient(client))["id"]
    if "chair_id" not in overrides:
        overrides["chair_id"] = await chair_id(client, overrides.pop("location", None))
    dose = {} if "dose_mg" in overrides else {"dose_mg_per_kg": 0.5}
    body = {"weight_kg": 70, **dose} | overrides
    answer = await client.post("/api/sessions", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def put_reading(
    client: httpx.AsyncClient, session_id: str, reading_id: str | None = None, **values: Any
) -> httpx.Response:
    reading_id = reading_id or str(uuid.uuid4())
    return await client.put(
        f"/api/sessions/{session_id}/readings/{reading_id}", json=vitals(**values)
    )


async def transition(
    client: httpx.AsyncClient, session_id: str, to: str, **extra: Any
) -> httpx.Response:
    return await client.post(f"/api/sessions/{session_id}/transitions", json={"to": to, **extra})


async def edit_protocol(admin: httpx.AsyncClient, code: str, **rules: Any) -> dict[str, Any]:
    """Change some of a protocol's rules through the admin API."""
    current = await admin.get(f"/api/protocols/{code}")
    assert current.status_code == 200, current.text
    body = current.json()
    answer = await admin.put(
        f"/api/protocols/{code}",
        json={
            "name": body["name"],
            "rules": body["rules"] | rules,
            "reason": "test set-up",
            "based_on": body["updated_at"],
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


CHECKLIST = {
    "identity_checked": True,
    "consent_signed": True,
    "fasting_confirmed": True,
    "escort_confirmed": True,
}


def screening_form(**answers: bool) -> dict[str, Any]:
    """A screening form with every contraindication answered no, but those given."""
    form = clear_screening(escort_name="Sam Rivera", escort_phone="+1 555 0100", fasted_hours=6)
    return form | {"answers": form["answers"] | answers}


async def prepare(client: httpx.AsyncClient, session_id: str) -> None:
    """The checklist done and a clear screening recorded: all but the baseline reading."""
    checklist = await client.patch(f"/api/sessions/{session_id}/checklist", json=CHECKLIST)
    assert checklist.status_code == 200, checklist.text
    screened = await client.post(f"/api/sessions/{session_id}/screening", json=screening_form())
    assert screened.status_code == 201, screened.text


async def ready_session(client: httpx.AsyncClient, **baseline: Any) -> dict[str, Any]:
    """A session with its checklist done, a clear screening and a baseline reading: ready to
    start the infusion."""
    s = await session(client)
    await prepare(client, s["id"])
    answer = await put_reading(client, s["id"], **baseline)
    assert answer.status_code == 201, answer.text
    return s


async def infusing_session(client: httpx.AsyncClient) -> dict[str, Any]:
    s = await ready_session(client)
    answer = await transition(client, s["id"], "infusion")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def export_reading(**overrides: Any) -> ExportReading:
    """A row of a readings export, as the export code builds it (no database)."""
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "id": uuid.uuid4(),
        "session_id": uuid.uuid4(),
        "patient_id": uuid.uuid4(),
        "mrn": "MRN-100001",
        "taken_at": now,
        "recorded_at": now,
        "recorded_by": uuid.uuid4(),
        "phase": "infusion",
        "source": "manual",
        "device_id": None,
        "heart_rate": 80,
        "systolic": 120,
        "diastolic": 80,
        "spo2": 97,
        "respiratory_rate": None,
        "temperature_c": None,
        "on_oxygen": None,
        "consciousness": None,
        "sedation_rass": None,
        "dissociation_cadss6": None,
        "note": None,
        "late_reason": None,
        "is_baseline": False,
        "complete": True,
        "amends": None,
        "amend_reason": None,
        "amended_by": None,
        "validated_at": None,
        "validated_by": None,
        "validated_by_name": None,
        "status": "final",
        "error_reason": None,
        "recorded_by_username": "nurse",
        "alerts": [],
        "news2": News2Out(
            score=0,
            partial=True,
            missing=["respiratory_rate"],
            carried=[],
            band="low",
            components={},
        ),
    }
    return ExportReading.model_validate(body | overrides)
