"""The nurse's tablet loses the network: readings wait in the outbox and arrive exactly once."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer, enter_reading

pytestmark = pytest.mark.browser


def test_offline_readings_arrive_exactly_once(
    vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    sid = vigil_server.new_session("Chair E2E-2")["id"]
    nurse = signed_in("nurse")
    nurse.goto(f"/#/nurse/{sid}")
    outbox = nurse.get_by_test_id("outbox-status")
    expect(nurse.get_by_role("heading", name="New reading")).to_be_visible()
    expect(outbox).to_contain_text("All readings synced")

    nurse.context.set_offline(True)
    heart_rates = [70, 71, 72]
    for n, hr in enumerate(heart_rates, start=1):
        enter_reading(nurse, "Queued (offline)", hr=hr, sbp=120 + n, dbp=80, spo2=98, rr=14)
        expect(outbox).to_contain_text(f"Queued (offline): {n} waiting to sync")
        # "Last reading" shows only what the server stored
        expect(nurse.get_by_test_id("last-hr")).to_have_count(0)
    expect(outbox).to_contain_text("3 waiting to sync")
    assert vigil_server.readings(sid) == []  # nothing got through

    nurse.context.set_offline(False)
    expect(outbox).to_contain_text("All readings synced ✓", timeout=15_000)
    expect(nurse.get_by_test_id("saved-msg")).to_contain_text("Saved ✓")
    expect(nurse.get_by_test_id("saved-msg")).to_contain_text("is stored")

    readings = vigil_server.readings(sid)
    assert sorted(r["heart_rate"] for r in readings) == heart_rates
    assert len({r["id"] for r in readings}) == 3
    assert sorted(r["systolic"] for r in readings) == [121, 122, 123]

    # A reload finds nothing left to send, and no late retry duplicates anything.
    nurse.reload()
    expect(nurse.get_by_test_id("outbox-status")).to_contain_text("All readings synced ✓")
    expect(nurse.get_by_test_id("last-bp")).to_have_text("123/80")
    assert len(vigil_server.readings(sid)) == 3
