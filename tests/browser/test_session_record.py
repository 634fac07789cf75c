"""The nurse records the pump, a side effect with its rescue medicine, and MOASS on the tablet."""

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer
from tests.factories import CHECKLIST, screening_form

pytestmark = pytest.mark.browser
TABLET = {"width": 1024, "height": 768}


def test_pump_side_effect_and_sedation_at_the_chair(
    vigil_server: VigilServer, signed_in: Callable[..., Page], tmp_path: Path
) -> None:
    sid = vigil_server.new_session("Chair E2E-R")["id"]
    with vigil_server.api("nurse") as api:
        api.patch(f"/api/sessions/{sid}/checklist", json=CHECKLIST).raise_for_status()
        api.post(f"/api/sessions/{sid}/screening", json=screening_form()).raise_for_status()
    nurse = signed_in("nurse", viewport=TABLET)
    nurse.goto(f"/#/record/{sid}")
    pump = nurse.get_by_role("region", name="Pump")
    expect(pump).to_be_visible()
    pump.get_by_label("Lot").fill("KET-24117")
    pump.get_by_label("Expiry").fill((date.today() + timedelta(days=100)).isoformat())
    pump.get_by_role("button", name="Save order").click()
    expect(nurse.get_by_test_id("order")).to_contain_text("NOT CHECKED YET")
    # The nurse who prepared it may not check it: the server says so in words.
    pump.get_by_label("Second check: your mL/h").fill("35")
    pump.get_by_role("button", name="Confirm check").click()
    expect(nurse.get_by_role("alert")).to_contain_text("someone other than who prepared it")

    side = nurse.get_by_role("region", name="Side effects and rescue medicines")
    side.get_by_label("moderate").check()
    side.get_by_role("button", name="Record side effect").click()
    expect(side.get_by_text("nausea (moderate) · ongoing")).to_be_visible()
    side.get_by_role("button", name="Give ondansetron 4 mg IV").click()
    expect(nurse.get_by_test_id("prn-list")).to_contain_text("ondansetron 4 mg IV for nausea")
    side.get_by_role("button", name="Resolved").click()
    expect(side.get_by_text("resolved with intervention")).to_be_visible()

    scales = nurse.get_by_role("region", name="Dissociation and sedation")
    scales.get_by_role("button", name="4", exact=True).click()
    expect(nurse.get_by_test_id("trends")).to_contain_text("MOASS: 4")
    box = side.get_by_role("button", name="Record side effect").bounding_box()
    assert box is not None and box["height"] >= 44  # a finger's target
    # docs/screenshots/session-record-tablet.png is this page, looked at and kept.
    nurse.screenshot(path=tmp_path / "session-record-tablet.png", full_page=True)
