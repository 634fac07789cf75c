"""The session chart draws the limits the server alerts on, with the patient's own overrides."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer

pytestmark = pytest.mark.browser


def test_chart_limits_follow_the_patients_rules(
    signed_in: Callable[..., Page], vigil_server: VigilServer, tmp_path: Path
) -> None:
    session = vigil_server.new_session("Chair E2E-limits")
    override = {
        "code": "sbp_high",
        "kind": "absolute",
        "parameter": "systolic",
        "medium": {"op": ">", "value": 150},
        "high": {"op": ">=", "value": 170},
        "enabled": True,
    }
    with vigil_server.api("physician") as api:
        answer = api.put(f"/api/patients/{session['patient']['id']}/alert-rules", json=[override])
        assert answer.status_code == 200, answer.text
    page = signed_in("physician", viewport={"width": 1920, "height": 1080})
    page.goto(f"/#/sessions/{session['id']}")
    chart = page.get_by_role("img", name=re.compile("Vital signs chart"))
    expect(chart).to_have_attribute("aria-label", re.compile(r"limit lines: .*SBP ≥ 170"))
    expect(chart).to_have_attribute("aria-label", re.compile(r"SpO₂ ≤ 90"))
    expect(chart).not_to_have_attribute("aria-label", re.compile(r"SBP ≥ 180"))
    box = chart.bounding_box()
    assert box is not None and box["width"] > 1000 and box["height"] > 300
    page.screenshot(path=tmp_path / "session-detail.png")
