"""Which sets may be charted (vitals.codes.missing_vitals) and NEWS2 on a monitor's partial
set (vitals.read.news2_input): pure, no database."""

import uuid
from datetime import UTC, datetime, timedelta

from app.vitals.codes import missing_vitals
from app.vitals.models import Reading
from app.vitals.read import NEWS2_CARRY, last_by_vital_of, news2_input

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def reading(at: datetime, **values: int | None) -> Reading:
    return Reading(
        id=uuid.uuid4(), taken_at=at, recorded_at=at, source="device", device_id="M1", **values
    )


def test_a_nurse_enters_the_four_vitals_a_monitor_at_least_one() -> None:
    full = {"heart_rate": 70, "systolic": 120, "diastolic": 80, "spo2": 98}
    assert missing_vitals(full, "manual") == []
    assert missing_vitals({"spo2": 98}, "manual") == ["heart_rate", "systolic", "diastolic"]
    assert missing_vitals({"spo2": 98}, "device") == []
    assert missing_vitals({"temperature_c": 36.8}, "device") == []
    assert missing_vitals({"on_oxygen": True, "note": "x"}, "device") == ["vital sign"]


def test_news2_carries_a_blood_pressure_of_the_last_ten_minutes_only() -> None:
    nibp = reading(T0, systolic=124, diastolic=80)
    soon = reading(T0 + NEWS2_CARRY, heart_rate=72, spo2=97)
    last = last_by_vital_of([nibp, soon])
    scored = news2_input(soon, last)
    assert scored is not None
    assert (scored.systolic, scored.carried) == (124, ("systolic",))
    late = reading(T0 + NEWS2_CARRY + timedelta(seconds=1), heart_rate=72, spo2=97)
    assert news2_input(late, last_by_vital_of([nibp, late])) is None


def test_a_value_is_never_carried_backwards_or_from_itself() -> None:
    later_bp = reading(T0 + timedelta(minutes=1), systolic=124, diastolic=80)
    earlier = reading(T0, heart_rate=72, spo2=97)  # entered late, taken before the NIBP
    assert news2_input(earlier, last_by_vital_of([later_bp, earlier])) is None
    alone = reading(T0, heart_rate=72, spo2=97)
    assert news2_input(alone, last_by_vital_of([alone])) is None
    full = reading(T0, heart_rate=72, spo2=97, systolic=118, diastolic=76)
    scored = news2_input(full, last_by_vital_of([full]))
    assert scored is not None and scored.carried == ()
