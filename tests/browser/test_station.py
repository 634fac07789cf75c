"""The central station as a physician sees it across the room, at 1920×1080 and 1280×800: every
chair of the site in its fixed place (empty ones too), one labelled cell per vital that never
touches another, abnormal values marked by colour, arrow and priority word, and alarms that
cannot be silently off (a start gate after every reload, a banner while audio is paused)."""

import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.support import VigilServer, start_monitoring

pytestmark = pytest.mark.browser

CHAIRS = ["S-1", "S-2", "S-3", "S-4"]
CELLS = ["heart_rate", "systolic", "diastolic", "spo2", "respiratory_rate"]
# Where the screenshots go when someone wants to look at them (scripts set this).
SHOTS = os.environ.get("VIGIL_TEST_SCREENSHOTS")

Box = dict[str, float]


def overlap(a: Box, b: Box) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def inside(inner: Box, outer: Box) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


def box(locator: Locator) -> Box:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not laid out"
    return dict(found)


@pytest.fixture(scope="module")
def station(vigil_server: VigilServer) -> dict[str, Any]:
    """A site of its own with four chairs; sessions in S-1 (abnormal) and S-3 (calm)."""
    name = f"Station {uuid.uuid4().hex[:6]}"
    with vigil_server.api("admin") as api:
        site = api.post("/api/sites", json={"name": name}).json()
        for chair in CHAIRS:
            answer = api.post(f"/api/sites/{site['id']}/chairs", json={"name": chair})
            assert answer.status_code == 201, answer.text
        users = {u["username"]: u["id"] for u in api.get("/api/users").json()}
        for username in ("nina", "phil"):
            assert api.put(f"/api/sites/{site['id']}/members/{users[username]}").is_success
        chairs = {c["name"]: c["id"] for c in api.get("/api/sites").json()[-1]["chairs"]}
    sessions = {}
    with vigil_server.api("nurse") as api:
        for chair, vitals in (
            ("S-1", {"heart_rate": 132, "systolic": 186, "diastolic": 104, "spo2": 88}),
            ("S-3", {"heart_rate": 74, "systolic": 124, "diastolic": 78, "spo2": 98}),
        ):
            patient = api.post(
                "/api/patients",
                json={
                    "mrn": f"ST-{uuid.uuid4().hex[:8]}",
                    "full_name": f"Station Patient {chair}",
                    "date_of_birth": "1975-03-04",
                },
            ).json()
            s = api.post(
                "/api/sessions",
                json={
                    "patient_id": patient["id"],
                    "chair_id": chairs[chair],
                    "weight_kg": 70,
                    "dose_mg_per_kg": 0.5,
                },
            )
            assert s.status_code == 201, s.text
            body = {"taken_at": datetime.now(UTC).isoformat(), "respiratory_rate": 14, **vitals}
            answer = api.put(f"/api/sessions/{s.json()['id']}/readings/{uuid.uuid4()}", json=body)
            assert answer.status_code == 201, answer.text
            sessions[chair] = s.json()["id"]
    return {"name": name, "site": site, "sessions": sessions}


def open_station(page: Page, station: dict[str, Any]) -> None:
    start_monitoring(page)
    page.get_by_label("Site").select_option(label=station["name"])
    expect(page.get_by_test_id("site-name")).to_have_text(station["name"])
    expect(page.get_by_test_id("chair-S-1").get_by_test_id("value-systolic")).to_have_text("186")


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)], ids=["1920x1080", "1280x800"])
def test_every_chair_in_its_place_and_every_vital_in_its_own_cell(
    station: dict[str, Any], signed_in: Callable[..., Page], size: tuple[int, int]
) -> None:
    width, height = size
    page = signed_in("physician", viewport={"width": width, "height": height})
    open_station(page, station)

    tiles = [page.get_by_test_id(f"chair-{chair}") for chair in CHAIRS]
    boxes = [box(tile) for tile in tiles]
    # Fixed places in chair order (reading order: row by row, left to right), empty ones too.
    reading_order = sorted(range(len(boxes)), key=lambda i: (round(boxes[i]["y"]), boxes[i]["x"]))
    assert reading_order == [0, 1, 2, 3]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not overlap(a, b)
    expect(tiles[1]).to_have_attribute("data-state", "empty")
    expect(tiles[1]).to_contain_text("Empty")
    expect(tiles[3]).to_have_attribute("data-state", "empty")

    for tile in (tiles[0], tiles[2]):
        cells = {key: box(tile.get_by_test_id(f"cell-{key}")) for key in CELLS}
        for i, key in enumerate(CELLS):
            value = box(tile.get_by_test_id(f"value-{key}"))
            assert inside(value, cells[key]), f"{key}'s number spills out of its cell"
            assert value["width"] > 0 and value["height"] >= 20, f"{key} is too small to read"
            number = tile.get_by_test_id(f"value-{key}")
            clipped = number.evaluate("e => e.scrollWidth > e.clientWidth")
            assert not clipped, f"{key}'s digits are cut off"
            for other in CELLS[i + 1 :]:
                assert not overlap(cells[key], cells[other]), f"{key} and {other} overlap"
            assert inside(cells[key], box(tile))
        label = tile.get_by_test_id("cell-systolic")
        expect(label).to_contain_text("SBP")
        expect(label).to_contain_text("mmHg")

    # The abnormal values: colour, arrow and priority word; the calm tile has none.
    abnormal = tiles[0]
    expect(abnormal).to_have_attribute("data-state", "high")
    expect(abnormal.get_by_test_id("tile-state")).to_contain_text("HIGH")
    for key, arrow in (("systolic", "▲"), ("spo2", "▼"), ("heart_rate", "▲")):
        cell = abnormal.get_by_test_id(f"cell-{key}")
        expect(cell).to_have_attribute("data-abnormal", "high")
        expect(abnormal.get_by_test_id(f"flag-{key}")).to_have_text(f"{arrow} HIGH")
    calm_cell = tiles[2].get_by_test_id("cell-systolic")
    expect(calm_cell).not_to_have_attribute("data-abnormal", "high")
    colours = [
        cell.evaluate("e => getComputedStyle(e).backgroundColor")
        for cell in (abnormal.get_by_test_id("cell-systolic"), calm_cell)
    ]
    assert colours[0] != colours[1]
    borders = [t.evaluate("e => getComputedStyle(e).borderTopWidth") for t in tiles[:3]]
    assert borders[0] == "6px" and borders[2] != borders[0] and borders[1] != borders[0]
    expect(tiles[2]).to_have_attribute("data-state", "normal")
    expect(tiles[0].get_by_test_id("infusion-clock")).to_contain_text("infusion not started")

    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/station-{width}x{height}.png")


def test_audio_gate_after_reload_and_a_banner_while_paused(
    station: dict[str, Any], signed_in: Callable[..., Page]
) -> None:
    page = signed_in("physician", viewport={"width": 1920, "height": 1080})
    gate = page.get_by_test_id("monitor-gate")
    expect(gate).to_be_visible()
    expect(page.get_by_test_id("audio-off")).to_contain_text("monitoring not started")
    # The gate covers the screen: it is not something to overlook.
    covered = box(gate)
    assert covered["width"] >= 1900 and covered["height"] >= 1000
    open_station(page, station)
    expect(gate).to_have_count(0)

    page.get_by_test_id("pause-audio").click()
    banner = page.get_by_test_id("audio-off")
    expect(banner).to_contain_text("ALARM AUDIO OFF")
    expect(banner).to_contain_text("paused, back in")
    # The banner stays in view while the page scrolls.
    page.mouse.wheel(0, 2000)
    assert box(banner)["y"] >= -1
    page.get_by_role("button", name="Sound now").click()
    # Headless Chromium plays audio once started: nothing is off, so no banner.
    expect(page.get_by_test_id("audio-off")).to_have_count(0)

    page.reload()
    expect(page.get_by_test_id("monitor-gate")).to_be_visible()
    expect(page.get_by_role("button", name="Start monitoring")).to_be_focused()


def test_an_alarm_switched_off_elsewhere_is_shown_on_the_dashboard(
    station: dict[str, Any], vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    page = signed_in("physician", viewport={"width": 1920, "height": 1080})
    open_station(page, station)
    expect(page.get_by_test_id("rules-off")).to_have_count(0)
    with vigil_server.api("admin") as api:
        rules = api.get("/api/alert-rules").json()
        off = [{**r, "enabled": False} if r["code"] == "spo2_low" else r for r in rules]
        answer = api.put(
            "/api/alert-rules",
            json=off,
            params={"reason": "probe recall", "confirm": "true"},
        )
        assert answer.status_code == 200, answer.text
        try:
            banner = page.get_by_test_id("rules-off")
            expect(banner).to_contain_text("SpO₂ low alarm OFF since")
            expect(banner).to_contain_text("reason: probe recall")
            expect(banner).to_contain_text("by E2E Admin")
            if SHOTS:
                page.screenshot(path=f"{SHOTS}/station-alarm-off-1920x1080.png")
        finally:
            assert api.put("/api/alert-rules", json=rules).status_code == 200
    expect(page.get_by_test_id("rules-off")).to_have_count(0)
