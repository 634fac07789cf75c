import pytest

from tests import factories
from tests.api.test_sessions import ALDRETE_OK
from tests.factories import transition

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
async def no_minimum_recovery(staff):
    # No minimum recovery time here, so the criteria themselves decide.
    await factories.edit_protocol(staff.admin, "iv-ketamine", min_recovery_minutes=0)


async def test_discharge_when_every_criterion_holds(staff):
    s = await factories.infusing_session(staff.nurse)
    sid = s["id"]
    await transition(staff.nurse, sid, "recovery")
    await factories.put_reading(staff.nurse, sid, systolic=170, diastolic=90)  # BP outside ±20 %
    low = await transition(
        staff.nurse, sid, "discharged", aldrete={**ALDRETE_OK, "oxygen_saturation": 0}
    )
    assert low.status_code == 409
    assert "Aldrete 8" in low.json()["detail"] and "outside" in low.json()["detail"]
    await factories.put_reading(staff.nurse, sid, systolic=130, diastolic=80)
    ok = await transition(staff.nurse, sid, "discharged", aldrete=ALDRETE_OK)
    assert ok.status_code == 200, ok.text
    assert ok.json()["discharge"]["met"] is True
    assert ok.json()["aldrete"]["oxygen_saturation"] == 1
