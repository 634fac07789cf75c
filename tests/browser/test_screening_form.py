"""The screening form on the tablet: a "yes" to a contraindication is shown as a hard stop, the
start stays blocked until a physician overrides it, and the override asks for a reason."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer
from tests.factories import CHECKLIST

pytestmark = pytest.mark.browser
TABLET = {"width": 1024, "height": 768}


def test_a_hard_stop_is_marked_and_its_override_needs_a_reason(
    vigil_server: VigilServer, signed_in: Callable[..., Page], tmp_path: Path
) -> None:
    sid = vigil_server.new_session("Chair E2E-screen")["id"]
    nurse = signed_in("nurse", viewport=TABLET)
    nurse.goto(f"/#/screening/{sid}")
    form = nurse.get_by_role("form", name="Screening form")
    expect(form).to_be_visible()
    form.get_by_role("button", name="Record screening").click()
    expect(form.get_by_role("alert")).to_contain_text("Answer every contraindication")

    for question in form.locator("fieldset.yesno").all():
        question.get_by_label("No").check()
    pregnancy = form.get_by_test_id("q-pregnancy")
    pregnancy.get_by_label("Yes").check()
    expect(pregnancy).to_contain_text("✘ hard stop")
    form.get_by_label("history of hypertension").check()
    form.get_by_label("Escort name").fill("Sam Rivera")
    form.get_by_label("Escort phone").fill("+1 555 0100")
    form.get_by_role("button", name="Record screening").click()

    verdict = nurse.get_by_test_id("verdict")
    expect(verdict).to_contain_text("✘ Do not start: hard stop")
    stop = verdict.get_by_test_id("hard-stop")
    expect(stop).to_have_text("✘ HARD STOP pregnancy")
    expect(verdict.get_by_test_id("caution")).to_contain_text("history of hypertension")
    expect(verdict).to_contain_text("only a physician may override")
    box = stop.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= TABLET["width"]
    nurse.screenshot(path=tmp_path / "screening-1024x768.png", full_page=True)

    with vigil_server.api("nurse") as api:
        api.patch(f"/api/sessions/{sid}/checklist", json=CHECKLIST).raise_for_status()
        now = datetime.now(UTC).isoformat()
        baseline = {"taken_at": now, "heart_rate": 72, "systolic": 124, "diastolic": 78, "spo2": 98}
        api.put(f"/api/sessions/{sid}/readings/{uuid.uuid4()}", json=baseline).raise_for_status()
        blocked = api.post(f"/api/sessions/{sid}/transitions", json={"to": "infusion"})
        assert blocked.status_code == 409 and "hard stop: pregnancy" in blocked.text

    doctor = signed_in("physician", viewport=TABLET)
    doctor.goto(f"/#/screening/{sid}")
    verdict = doctor.get_by_test_id("verdict")
    verdict.get_by_role("button", name="Override the hard stop").click()
    expect(verdict.get_by_role("alert")).to_contain_text(
        "Write the reason for the override: it is kept in the session's record."
    )
    verdict.get_by_label("Reason for overriding the hard stop").fill("test negative this morning")
    verdict.get_by_role("button", name="Override the hard stop").click()
    expect(verdict).to_contain_text("✔ Hard stop overridden by a physician")
    expect(verdict.get_by_test_id("override")).to_contain_text("test negative this morning")
    doctor.screenshot(path=tmp_path / "screening-override-1024x768.png", full_page=True)
    with vigil_server.api("nurse") as api:
        started = api.post(f"/api/sessions/{sid}/transitions", json={"to": "infusion"})
        assert started.status_code == 200, started.text
