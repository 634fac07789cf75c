"""Property-based checks of reading validation through the HTTP API (DESIGN §2): any body inside
the plausible ranges is accepted, any single field outside them is a 422 naming that field and
its allowed range, and diastolic ≥ systolic is a 422 naming the diastolic pressure."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.vitals.codes import VITALS
from tests import factories

pytestmark = pytest.mark.anyio

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    # The app, its database and the logged-in clients are shared by every example on purpose:
    # each example writes a reading with a fresh id, so examples cannot disturb each other.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
INTS = ("heart_rate", "spo2", "respiratory_rate", "sedation_rass", "dissociation_cadss6")


def in_range(name: str) -> st.SearchStrategy[Any]:
    v = VITALS[name]
    if name == "temperature_c":
        return st.floats(v.low, v.high, allow_nan=False).map(lambda x: round(x, 1))
    return st.integers(int(v.low), int(v.high))


@st.composite
def plausible(draw: st.DrawFn) -> dict[str, Any]:
    """A reading inside every plausible range (diastolic below systolic), optional fields or
    not, taken up to 100 s ago (the session is newer than that, within the allowed clock skew)."""
    systolic = draw(st.integers(1, 300))
    body: dict[str, Any] = {
        "taken_at": (datetime.now(UTC) - timedelta(seconds=draw(st.integers(0, 100)))).isoformat(),
        "heart_rate": draw(in_range("heart_rate")),
        "systolic": systolic,
        "diastolic": draw(st.integers(0, systolic - 1)),
        "spo2": draw(in_range("spo2")),
    }
    optional = {
        "respiratory_rate": in_range("respiratory_rate"),
        "temperature_c": in_range("temperature_c"),
        "on_oxygen": st.booleans(),
        "consciousness": st.sampled_from("ACVPU"),
        "sedation_rass": in_range("sedation_rass"),
        "dissociation_cadss6": in_range("dissociation_cadss6"),
        "note": st.text(max_size=200).filter(lambda t: "\x00" not in t),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            body[name] = draw(strategy)
    return body


def outside(name: str) -> st.SearchStrategy[float | int]:
    v = VITALS[name]
    if name == "temperature_c":
        return st.one_of(
            st.floats(-1e6, v.low, exclude_max=True, allow_nan=False),
            st.floats(v.high, 1e6, exclude_min=True, allow_nan=False),
        )
    return st.one_of(st.integers(-(10**6), int(v.low) - 1), st.integers(int(v.high) + 1, 10**6))


@st.composite
def one_field_outside(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    body = draw(plausible())
    name = draw(st.sampled_from(sorted(VITALS)))
    value = draw(outside(name))
    body[name] = value
    if name == "diastolic" and value < 0:
        body["systolic"] = max(body["systolic"], 1)
    return name, body


@pytest.fixture
async def open_session(staff):
    s = await factories.session(staff.nurse)
    return s["id"]


def error_fields(answer: Any) -> list[str]:
    return [str(e["loc"][-1]) for e in answer.json()["detail"]]


@given(body=plausible())
@PROPERTY_SETTINGS
async def test_any_plausible_reading_is_accepted(staff, open_session, body):
    # Values implausible for a conscious patient (HR 0, say) are in range once the nurse confirms.
    sent = body | {"confirm_value": True}
    answer = await staff.nurse.put(
        f"/api/sessions/{open_session}/readings/{uuid.uuid4()}", json=sent
    )
    assert answer.status_code == 201, (body, answer.text)
    stored = answer.json()["reading"]
    for name, value in body.items():
        if name != "taken_at":
            assert stored[name] == value, name
    # The identical replay is answered 200 with the same reading.
    replay = await staff.nurse.put(
        f"/api/sessions/{open_session}/readings/{stored['id']}", json=sent
    )
    assert replay.status_code == 200 and replay.json()["reading"] == stored


@given(case=one_field_outside())
@PROPERTY_SETTINGS
async def test_one_field_outside_its_range_is_named(staff, open_session, case):
    name, body = case
    answer = await staff.nurse.put(
        f"/api/sessions/{open_session}/readings/{uuid.uuid4()}", json=body
    )
    assert answer.status_code == 422, (body, answer.text)
    assert error_fields(answer) == [name], answer.text
    v = VITALS[name]
    assert f"between {v.low:g} and {v.high:g}" in answer.json()["detail"][0]["msg"]


@given(
    systolic=st.integers(0, 300),
    above=st.integers(0, 300),
    heart_rate=in_range("heart_rate"),
    spo2=in_range("spo2"),
)
@PROPERTY_SETTINGS
async def test_diastolic_not_below_systolic_is_refused(
    staff, open_session, systolic, above, heart_rate, spo2
):
    diastolic = min(systolic + above, 300)
    body = factories.vitals(
        systolic=systolic, diastolic=diastolic, heart_rate=heart_rate, spo2=spo2
    )
    answer = await staff.nurse.put(
        f"/api/sessions/{open_session}/readings/{uuid.uuid4()}", json=body
    )
    assert answer.status_code == 422, (body, answer.text)
    assert error_fields(answer) == ["diastolic"], answer.text
    assert "lower than systolic" in answer.json()["detail"][0]["msg"]


@given(name=st.sampled_from((*INTS, "systolic", "diastolic")), frac=st.sampled_from([0.5, 0.25]))
@PROPERTY_SETTINGS
async def test_fractional_counts_are_refused(staff, open_session, name, frac):
    body = factories.vitals(sedation_rass=0, dissociation_cadss6=0)
    body[name] = body[name] + frac
    answer = await staff.nurse.put(
        f"/api/sessions/{open_session}/readings/{uuid.uuid4()}", json=body
    )
    assert answer.status_code == 422, (body, answer.text)
    assert error_fields(answer) == [name], answer.text
