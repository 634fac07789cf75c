"""Builders for courses through the HTTP API."""

from typing import Any

import httpx

from tests import factories
from tests.factories import put_reading, transition

ALDRETE_OK = {
    "activity": 2,
    "respiration": 2,
    "circulation": 2,
    "consciousness": 2,
    "oxygen_saturation": 2,
}


def phq9(total: int, item9: int = 0) -> list[int]:
    """PHQ-9 answers with this total and item-9 answer, filled from item 1."""
    rest, answers = total - item9, []
    for _ in range(8):
        take = min(3, rest)
        answers.append(take)
        rest -= take
    assert rest == 0
    return [*answers, item9]


async def course(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    patient = overrides.pop("patient", None) or await factories.patient(client)
    body = {
        "indication": "depression",
        "protocol": "iv-ketamine",
        "planned_sessions": 6,
        "started_on": "2026-11-02",
    } | overrides
    answer = await client.post(f"/api/patients/{patient['id']}/courses", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def visit(client: httpx.AsyncClient, c: dict[str, Any], **baseline: Any) -> str:
    """A session of the course with its checklist and baseline done; its id."""
    s = await factories.session(client, patient_id=c["patient_id"], course_id=c["id"])
    await factories.prepare(client, s["id"])
    assert (await put_reading(client, s["id"], **baseline)).status_code == 201
    return str(s["id"])


async def infuse_and_discharge(client: httpx.AsyncClient, sid: str, **peak: Any) -> None:
    assert (await transition(client, sid, "infusion")).status_code == 200
    assert (await put_reading(client, sid, **peak)).status_code == 201
    assert (await transition(client, sid, "recovery")).status_code == 200
    assert (await put_reading(client, sid)).status_code == 201
    answer = await transition(client, sid, "discharged", aldrete=ALDRETE_OK)
    alerts = (await client.get("/api/alerts", params={"session_id": sid})).json()
    assert answer.status_code == 200, (answer.text, alerts)


async def respond(
    client: httpx.AsyncClient, course_id: str, sid: str, scale: str, answers: list[int]
) -> httpx.Response:
    return await client.post(
        f"/api/courses/{course_id}/responses",
        json={"scale": scale, "session_id": sid, "answers": answers},
    )
