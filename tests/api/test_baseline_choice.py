"""A nurse chooses the baseline; implausible values are never the baseline on their own."""

import uuid

import pytest

from tests import factories
from tests.factories import put_reading, transition

pytestmark = pytest.mark.anyio


async def checked_session(client):  # type: ignore[no-untyped-def]
    s = await factories.session(client)
    await factories.prepare(client, s["id"])
    return s


async def reading(client, sid, **values) -> str:  # type: ignore[no-untyped-def]
    rid = str(uuid.uuid4())
    answer = await put_reading(client, sid, rid, **values)
    assert answer.status_code == 201, answer.text
    return rid


async def test_re_measured_baseline_unblocks_the_start(staff):
    s = await checked_session(staff.nurse)
    first = await reading(staff.nurse, s["id"], systolic=150, diastolic=95)
    rested = await reading(staff.nurse, s["id"], systolic=132, diastolic=84)
    blocked = await transition(staff.nurse, s["id"], "infusion")
    assert blocked.status_code == 409 and "150/95" in blocked.text

    short = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{rested}/baseline", json={"reason": ""}
    )
    assert short.status_code == 422
    chosen = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{rested}/baseline",
        json={"reason": "re-measured after 10 min rest"},
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["is_baseline"] is True
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert detail["baseline"]["id"] == rested
    readings = (await staff.nurse.get(f"/api/sessions/{s['id']}/readings")).json()
    assert {r["id"]: r["is_baseline"] for r in readings} == {first: False, rested: True}
    assert all(r["complete"] for r in readings)

    started = await transition(staff.nurse, s["id"], "infusion")
    assert started.status_code == 200, started.text
    audit = (await staff.admin.get("/api/audit", params={"action": "reading.baseline"})).json()
    assert audit[0]["target_id"] == rested
    assert audit[0]["details"]["previous"] == first
    assert audit[0]["details"]["reason"] == "re-measured after 10 min rest"

    late = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{first}/baseline", json={"reason": "changed my mind"}
    )
    assert late.status_code == 409
    assert "before the infusion starts" in late.json()["detail"]


@pytest.mark.parametrize(
    "values", [{"heart_rate": 0}, {"spo2": 60}, {"systolic": 60, "diastolic": 40}]
)
async def test_implausible_reading_is_never_the_baseline_by_itself(staff, values):
    s = await checked_session(staff.nurse)
    # Confirmed as measured, and still not the baseline by itself.
    odd = await reading(staff.nurse, s["id"], **values, confirm_value=True)
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert detail["baseline"] is None
    blocked = await transition(staff.nurse, s["id"], "infusion")
    assert blocked.status_code == 409 and "no baseline" in blocked.text

    refused = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{odd}/baseline", json={"reason": "use it"}
    )
    assert refused.status_code == 422
    assert "implausible for a conscious patient" in refused.json()["detail"][0]["msg"]

    good = await reading(staff.nurse, s["id"])
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert detail["baseline"]["id"] == good


async def test_confirmed_implausible_value_can_be_chosen(staff):
    s = await checked_session(staff.nurse)
    odd = await reading(staff.nurse, s["id"], spo2=68, confirm_value=True)
    chosen = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{odd}/baseline",
        json={"reason": "known COPD, usual saturation", "confirm_value": True},
    )
    assert chosen.status_code == 200, chosen.text


async def test_correcting_an_implausible_typo_makes_it_the_baseline(staff):
    s = await checked_session(staff.nurse)
    odd = await reading(staff.nurse, s["id"], heart_rate=7, confirm_value=True)
    amended = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{odd}/amend",
        json={"reason": "typo, meant 72", "heart_rate": 72},
    )
    assert amended.status_code == 201, amended.text
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert detail["baseline"]["id"] == amended.json()["reading"]["id"]


async def test_corrected_or_foreign_readings_are_refused(staff):
    s = await checked_session(staff.nurse)
    rid = await reading(staff.nurse, s["id"])
    other = await checked_session(staff.nurse)
    foreign = await staff.nurse.post(
        f"/api/sessions/{other['id']}/readings/{rid}/baseline", json={"reason": "wrong chair"}
    )
    assert foreign.status_code == 404
    err = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{rid}/entered-in-error", json={"reason": "wrong chair"}
    )
    assert err.status_code == 200
    gone = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{rid}/baseline", json={"reason": "wrong chair"}
    )
    assert gone.status_code == 409


async def test_discarding_a_refused_reading_is_audited(staff):
    s = await factories.session(staff.nurse)
    rid = str(uuid.uuid4())
    refused = await put_reading(staff.nurse, s["id"], rid, note="x" * 10_000)
    assert refused.status_code == 422
    body = {"reason": "entered again by hand", "refused_with": 422, "refusal": "note too long"}
    answer = await staff.nurse.post(f"/api/sessions/{s['id']}/readings/{rid}/discarded", json=body)
    assert answer.status_code == 204, answer.text
    audit = (await staff.admin.get("/api/audit", params={"action": "reading.discard"})).json()
    assert audit[0]["target_id"] == rid
    assert audit[0]["details"] == {"session_id": s["id"], **body}

    stored = await reading(staff.nurse, s["id"])
    again = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{stored}/discarded", json=body
    )
    assert again.status_code == 409 and "amend" in again.json()["detail"]
