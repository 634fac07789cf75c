"""Sites and chairs as an admin defines them at 1920×1080: a chair added and moved on the admin
screen is drawn in that place on the site's dashboard, empty; a retired chair leaves it and can
come back; site membership decides who sees the site."""

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer, start_monitoring
from tests.browser.test_station import box

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("VIGIL_TEST_SCREENSHOTS")
FULL_HD = {"width": 1920, "height": 1080}


def tile_order(page: Page, names: list[str]) -> list[str]:
    """The chairs `names` in reading order of their tiles (row by row, left to right)."""
    boxes = {name: box(page.get_by_test_id(f"chair-{name}")) for name in names}
    return sorted(names, key=lambda n: (round(boxes[n]["y"]), boxes[n]["x"]))


def test_a_chair_added_on_the_admin_screen_appears_in_its_place_empty(
    vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    name = f"Annex {uuid.uuid4().hex[:4]}"
    with vigil_server.api("admin") as api:
        site = api.post("/api/sites", json={"name": name}).json()
        for chair in ("A-1", "A-2", "A-3"):
            assert api.post(f"/api/sites/{site['id']}/chairs", json={"name": chair}).is_success

    admin = signed_in("admin", viewport=FULL_HD)
    admin.goto("/#/admin/sites")
    admin.get_by_label("Site", exact=True).select_option(label=name)
    expect(admin.get_by_role("heading", name=f"Chairs at {name}")).to_be_visible()
    admin.get_by_label("New chair or bay").fill("Bay 9")
    admin.get_by_role("button", name="Add chair").click()
    expect(admin.get_by_test_id("sites-msg")).to_contain_text("Added Bay 9")
    rows = admin.get_by_test_id("chairs").locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(3)).to_contain_text("Bay 9")
    # Two places up: between.
    for place in (2, 1):
        admin.get_by_role("button", name="Move Bay 9 up").click()
        expect(rows.nth(place)).to_contain_text("Bay 9")
        expect(admin.get_by_test_id("sites-msg")).to_contain_text("Moved Bay 9 up")
    # A chair retired leaves the dashboard (its history stays), listed to bring back.
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.get_by_test_id("chair-row-A-3").get_by_role("button", name="Retire").click()
    expect(admin.get_by_test_id("retired-chairs")).to_contain_text("A-3")
    expect(rows).to_have_count(3)
    # Nobody works at the new site yet; the physician joins it.
    admin.get_by_test_id("members").get_by_label("E2E Physician").check()
    expect(admin.get_by_test_id("members").get_by_label("E2E Physician")).to_be_checked()
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        admin.screenshot(path=f"{SHOTS}/admin-sites-1920x1080.png", full_page=True)

    page = signed_in("physician", viewport=FULL_HD)
    start_monitoring(page)
    page.get_by_label("Site").select_option(label=name)
    expect(page.get_by_test_id("site-name")).to_have_text(name)
    expect(page.get_by_test_id("chair-Bay 9")).to_be_visible()
    assert tile_order(page, ["A-1", "Bay 9", "A-2"]) == ["A-1", "Bay 9", "A-2"]
    expect(page.get_by_test_id("chair-Bay 9")).to_have_attribute("data-state", "empty")
    expect(page.get_by_test_id("chair-Bay 9")).to_contain_text("Empty")
    expect(page.get_by_test_id("chair-A-3")).to_have_count(0)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/dashboard-new-chair-1920x1080.png")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.screenshot(path=f"{SHOTS}/dashboard-new-chair-1280x800.png")

    admin.get_by_test_id("retired-chairs").get_by_role("button", name="Return to service").click()
    expect(admin.get_by_test_id("retired-chairs")).to_have_count(0)
    page.reload()
    start_monitoring(page)
    page.get_by_label("Site").select_option(label=name)
    expect(page.get_by_test_id("chair-A-3")).to_be_visible()
    assert tile_order(page, ["A-1", "Bay 9", "A-2", "A-3"]) == ["A-1", "Bay 9", "A-2", "A-3"]
