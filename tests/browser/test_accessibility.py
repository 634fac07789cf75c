"""Accessibility smoke: labelled inputs, and alert state in text and symbols, not colour alone."""

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer

pytestmark = pytest.mark.browser

LABELS = {
    "hr": "Heart rate",
    "sbp": "Systolic BP",
    "dbp": "Diastolic BP",
    "spo2": "SpO₂",
    "rr": "Respiratory rate",
    "temp": "Temperature",
    "rass": "Sedation (RASS",
    "cadss": "Dissociation (CADSS-6",
    "acvpu": "Consciousness (ACVPU)",
    "on_oxygen": "On supplemental oxygen",
    "note": "Note (optional)",
}


def test_every_nurse_input_has_a_label(
    vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    sid = vigil_server.new_session("Chair E2E-3")["id"]
    page = signed_in("nurse")
    page.goto(f"/#/nurse/{sid}")
    form = page.locator("form.reading-form")
    expect(form).to_be_visible()

    for field_id, label in LABELS.items():
        control = page.get_by_label(label)
        expect(control).to_have_count(1)
        expect(control).to_have_id(field_id)

    controls = form.locator("input, select, textarea")
    ids = [c.get_attribute("id") for c in controls.all()]
    assert sorted(i or "" for i in ids) == sorted(LABELS), "an unlabelled or untested control"
    for control in controls.all():
        expect(control).to_have_accessible_name(re.compile(r"\w"))
    expect(page.get_by_role("button", name="Save reading")).to_be_visible()
    # The boxes marked required (*) are the ones the server refuses a nurse's reading without.
    required = form.locator("input[aria-required=true]:not(#late-time)")
    assert [c.get_attribute("id") for c in required.all()] == ["hr", "sbp", "dbp", "spo2"]
    for box in required.all():
        expect(form.locator(f"label[for={box.get_attribute('id')}] .req")).to_have_text("*")

    # A missing required value is said in words, tied to its field.
    page.get_by_role("button", name="Save reading").click()
    hr = page.get_by_label("Heart rate")
    expect(hr).to_have_attribute("aria-invalid", "true")
    expect(hr).to_have_accessible_description(re.compile("Heart rate is required"))


def test_alert_priority_is_text_not_only_colour(
    vigil_server: VigilServer, signed_in: Callable[..., Page]
) -> None:
    sid = vigil_server.new_session("Chair E2E-4")["id"]
    with vigil_server.api("nurse") as api:
        answer = api.put(
            f"/api/sessions/{sid}/readings/{uuid.uuid4()}",
            json={
                "taken_at": datetime.now(UTC).isoformat(),
                "heart_rate": 72,
                "systolic": 190,
                "diastolic": 96,
                "spo2": 98,
                "respiratory_rate": 14,
            },
        )
        assert answer.status_code == 201, answer.text
    [alert] = answer.json()["alerts"]

    doctor = signed_in("physician")
    nurse = signed_in("nurse")
    nurse.goto(f"/#/nurse/{sid}")
    for page in (doctor, nurse):
        row = page.get_by_test_id(f"alert-{alert['id']}")
        expect(row).to_be_visible()
        badge = row.locator(".prio-badge")
        expect(badge).to_have_text(re.compile(r"!!!\s*HIGH"))
        expect(badge).to_have_accessible_name("High priority alert")
        expect(row).to_contain_text("SBP 190")
    tile_alert = doctor.locator(f"[data-session='{sid}']").get_by_test_id("tile-alert")
    expect(tile_alert).to_contain_text("HIGH")
    expect(tile_alert).to_contain_text("SBP 190")
