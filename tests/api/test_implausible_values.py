"""Values implausible for a conscious patient (`vitals/codes.py` `confirm_below`: HR < 30,
SBP < 70, SpO2 < 70) are refused by the server unless the nurse confirms them, for a new
reading and a correction alike; the limits reach the tablet through the API contract. Each
test runs on SQLite and PostgreSQL."""

import uuid

import pytest

from app.vitals.codes import VITALS
from tests import factories
from tests.factories import put_reading

pytestmark = pytest.mark.anyio

ODD = [
    ({"heart_rate": 29}, "heart_rate", "Heart rate 29 /min"),
    ({"systolic": 65, "diastolic": 40}, "systolic", "Systolic BP 65 mmHg"),
    ({"spo2": 69}, "spo2", "SpO₂ 69 %"),
]


@pytest.mark.parametrize(("values", "field", "shown"), ODD)
async def test_an_implausible_value_needs_the_nurses_confirmation(staff, values, field, shown):
    s = await factories.session(staff.nurse)
    rid = str(uuid.uuid4())
    refused = await put_reading(staff.nurse, s["id"], rid, **values)
    assert refused.status_code == 422, refused.text
    [detail] = refused.json()["detail"]
    assert detail["loc"] == ["body", field]
    below = VITALS[field].confirm_below
    assert detail["msg"] == (
        f"{shown} is implausible for a conscious patient (below {below:g}); "
        "re-measure, or confirm the value to save it."
    )
    assert (await staff.nurse.get(f"/api/sessions/{s['id']}/readings")).json() == []

    stored = await put_reading(staff.nurse, s["id"], rid, **values, confirm_value=True)
    assert stored.status_code == 201, stored.text
    assert stored.json()["reading"][field] == values[field]
    # Stored as measured, and still never the baseline by itself.
    assert stored.json()["reading"]["is_baseline"] is False
    detail = (await staff.nurse.get(f"/api/sessions/{s['id']}")).json()
    assert detail["baseline"] is None


async def test_the_limit_itself_needs_no_confirmation(staff):
    s = await factories.session(staff.nurse)
    answer = await put_reading(
        staff.nurse, s["id"], heart_rate=30, systolic=70, diastolic=45, spo2=70
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["reading"]["is_baseline"] is True


async def test_a_correction_to_an_implausible_value_needs_it_too(staff):
    s = await factories.infusing_session(staff.nurse)
    rid = str(uuid.uuid4())
    assert (await put_reading(staff.nurse, s["id"], rid)).status_code == 201
    url = f"/api/sessions/{s['id']}/readings/{rid}/amend"
    refused = await staff.nurse.post(url, json={"reason": "re-read the monitor", "spo2": 60})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "spo2"]
    body = {"reason": "re-read the monitor", "spo2": 60, "confirm_value": True}
    amended = await staff.nurse.post(url, json=body)
    assert amended.status_code == 201, amended.text
    # Correcting only the note of that reading does not ask again for what was confirmed.
    again = f"/api/sessions/{s['id']}/readings/{amended.json()['reading']['id']}/amend"
    noted = await staff.nurse.post(again, json={"reason": "note", "note": "probe re-seated"})
    assert noted.status_code == 201, noted.text
    assert noted.json()["reading"]["spo2"] == 60


async def test_the_limits_reach_the_tablet_through_the_contract(app):
    schema = app.openapi()["components"]["schemas"]
    for name in ("ReadingIn", "ReadingAmend"):
        props = schema[name]["properties"]
        shown = {f: props[f] for f in VITALS if "x-confirm-below" in str(props[f])}
        limits = {f: v.confirm_below for f, v in VITALS.items() if v.confirm_below is not None}
        assert set(shown) == set(limits), name
        assert "confirm_value" in props
