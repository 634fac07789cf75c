import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from app.events import Event
from app.vitals.models import Reading
from tests import factories
from tests.factories import ago, put_reading, vitals

pytestmark = pytest.mark.anyio


async def test_put_reading_then_identical_replay(staff):
    s = await factories.session(staff.nurse)
    rid = str(uuid.uuid4())
    body = vitals(temperature_c=36.8, consciousness="A", sedation_rass=0, dissociation_cadss6=3)
    first = await staff.nurse.put(f"/api/sessions/{s['id']}/readings/{rid}", json=body)
    assert first.status_code == 201
    reading = first.json()["reading"]
    assert reading["id"] == rid and reading["is_baseline"] is True and reading["status"] == "final"
    assert reading["phase"] == "pre_infusion" and reading["recorded_by"] == str(staff.ids["nurse"])
    replay = await staff.nurse.put(f"/api/sessions/{s['id']}/readings/{rid}", json=body)
    assert replay.status_code == 200
    assert replay.json() == first.json()
    changed = await staff.nurse.put(
        f"/api/sessions/{s['id']}/readings/{rid}", json={**body, "heart_rate": 90}
    )
    assert changed.status_code == 409
    assert "different reading" in changed.json()["detail"]
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert detail["baseline"]["id"] == rid and detail["latest_reading"]["id"] == rid
    assert detail["news2"]["score"] == 0 and detail["news2"]["partial"] is False


async def test_fifty_concurrent_retries_store_one_reading_and_one_event(staff, app):
    s = await factories.session(staff.nurse)
    rid = str(uuid.uuid4())
    body = vitals()
    answers = await asyncio.gather(
        *(staff.nurse.put(f"/api/sessions/{s['id']}/readings/{rid}", json=body) for _ in range(50))
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * 49 + [201]
    async with app.state.database.session() as db:
        assert await db.scalar(select(func.count()).select_from(Reading)) == 1
        events = await db.scalar(
            select(func.count()).select_from(Event).where(Event.type == "reading.created")
        )
        assert events == 1


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("heart_rate", 301, "enter a whole number between 0 and 300 /min"),
        ("heart_rate", -1, "between 0 and 300"),
        ("systolic", 301, "enter a whole number between 0 and 300 mmHg"),
        ("spo2", 101, "between 0 and 100 %"),
        ("respiratory_rate", 81, "between 0 and 80 /min"),
        ("temperature_c", 50, "enter a number between 25 and 45 °C"),
        ("sedation_rass", 5, "between -5 and 4"),
        ("dissociation_cadss6", 25, "between 0 and 24"),
        ("consciousness", "X", "'A', 'C', 'V', 'P' or 'U'"),
        ("heart_rate", "fast", "enter a whole number between 0 and 300 /min"),
        ("heart_rate", 72.5, "enter a whole number between 0 and 300 /min"),
    ],
)
async def test_impossible_values_are_refused_with_the_range(staff, field, value, words):
    s = await factories.session(staff.nurse)
    answer = await put_reading(staff.nurse, s["id"], **{field: value})
    assert answer.status_code == 422
    errors = answer.json()["detail"]
    assert errors[0]["loc"][-1] == field
    assert words in errors[0]["msg"]


async def test_diastolic_must_be_below_systolic(staff):
    s = await factories.session(staff.nurse)
    answer = await put_reading(staff.nurse, s["id"], systolic=80, diastolic=80)
    assert answer.status_code == 422
    assert "lower than systolic" in answer.json()["detail"][0]["msg"]


async def test_units_are_fixed(staff):
    s = await factories.session(staff.nurse)
    answer = await put_reading(staff.nurse, s["id"], temperature_f=98.6)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == "temperature_f"


async def test_reading_times_must_be_plausible(staff):
    s = await factories.session(staff.nurse)
    future = await put_reading(staff.nurse, s["id"], taken_at=ago(minutes=-10))
    assert future.status_code == 422 and "future" in future.json()["detail"][0]["msg"]
    before = await put_reading(staff.nurse, s["id"], taken_at=ago(hours=3))
    assert (
        before.status_code == 422
        and "before the session began" in before.json()["detail"][0]["msg"]
    )
    naive = await put_reading(staff.nurse, s["id"], taken_at="2026-01-01T10:00:00")
    assert naive.status_code == 422 and naive.json()["detail"][0]["loc"][-1] == "taken_at"


async def test_reading_for_unknown_session_or_bad_id(staff):
    assert (await put_reading(staff.nurse, str(uuid.uuid4()))).status_code == 404
    s = await factories.session(staff.nurse)
    assert (await put_reading(staff.nurse, s["id"], reading_id="not-a-uuid")).status_code == 422


async def test_amend_keeps_history_and_moves_baseline(staff):
    s = await factories.session(staff.nurse)
    rid = str(uuid.uuid4())
    await put_reading(staff.nurse, s["id"], reading_id=rid, systolic=214)
    fix_id = str(uuid.uuid4())
    amend = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{rid}/amend",
        json={"reason": "Typo: 124 not 214", "systolic": 124, "id": fix_id},
    )
    assert amend.status_code == 201, amend.text
    new = amend.json()["reading"]
    assert new["id"] == fix_id and new["amends"] == rid and new["systolic"] == 124
    assert new["heart_rate"] == 72 and new["is_baseline"] is True
    retry = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{rid}/amend",
        json={"reason": "Typo: 124 not 214", "systolic": 124, "id": fix_id},
    )
    assert retry.status_code == 200 and retry.json()["reading"]["id"] == fix_id
    again = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{rid}/amend", json={"reason": "again", "systolic": 120}
    )
    assert again.status_code == 409 and fix_id in again.json()["detail"]
    no_reason = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{fix_id}/amend", json={"systolic": 120}
    )
    assert no_reason.status_code == 422
    readings = (await staff.nurse.get(f"/api/sessions/{s['id']}/readings")).json()
    by_id = {r["id"]: r for r in readings}
    assert by_id[rid]["status"] == "amended" and by_id[rid]["amended_by"] == fix_id
    assert by_id[rid]["systolic"] == 214  # the original is kept as it was
    assert by_id[fix_id]["status"] == "final"


async def test_amend_rejects_impossible_merge(staff):
    s = await factories.session(staff.nurse)
    rid = str(uuid.uuid4())
    await put_reading(staff.nurse, s["id"], reading_id=rid, systolic=120, diastolic=80)
    bad = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{rid}/amend", json={"reason": "fix", "systolic": 70}
    )
    assert bad.status_code == 422
    assert "lower than systolic" in bad.json()["detail"][0]["msg"]


async def test_entered_in_error(staff):
    s = await factories.session(staff.nurse)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    await put_reading(staff.nurse, s["id"], reading_id=first, taken_at=ago(minutes=1))
    await put_reading(staff.nurse, s["id"], reading_id=second)
    marked = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{first}/entered-in-error",
        json={"reason": "Wrong patient's cuff"},
    )
    assert marked.status_code == 200
    assert marked.json()["status"] == "entered_in_error"
    assert marked.json()["error_reason"] == "Wrong patient's cuff"
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert detail["baseline"]["id"] == second
    twice = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{first}/entered-in-error", json={"reason": "again"}
    )
    assert twice.status_code == 409
    other = await factories.session(staff.nurse)
    cross = await staff.nurse.post(
        f"/api/sessions/{other['id']}/readings/{second}/entered-in-error", json={"reason": "xyz"}
    )
    assert cross.status_code == 404


async def test_readings_listed_in_clinical_time_order(staff):
    s = await factories.session(staff.nurse)
    late, early = str(uuid.uuid4()), str(uuid.uuid4())
    await put_reading(staff.nurse, s["id"], reading_id=late, taken_at=ago(seconds=10))
    await put_reading(staff.nurse, s["id"], reading_id=early, taken_at=ago(seconds=90))
    readings = (await staff.physician.get(f"/api/sessions/{s['id']}/readings")).json()
    assert [r["id"] for r in readings] == [early, late]
