"""A Spravato session's phases go by its label's names (dosing, observation) on every screen
that shows them: the physician's tile, the nurse's tablet and the session chart."""

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer, start_monitoring
from tests.factories import CHECKLIST, screening_form, vitals

pytestmark = pytest.mark.browser


def dosing_spravato(server: VigilServer) -> str:
    chair = server.chair("Chair E2E-spravato")
    with server.api("nurse") as nurse:
        patient = nurse.post(
            "/api/patients",
            json={
                "mrn": f"E2E-{uuid.uuid4().hex[:10]}",
                "full_name": "Sam Spray",
                "date_of_birth": "1982-02-11",
            },
        )
        assert patient.status_code == 201, patient.text
        made = nurse.post(
            "/api/sessions",
            json={
                "patient_id": patient.json()["id"],
                "chair_id": chair,
                "weight_kg": 70,
                "protocol": "spravato",
                "dose_mg": 56,
            },
        )
        assert made.status_code == 201, made.text
        sid = str(made.json()["id"])
        nurse.patch(f"/api/sessions/{sid}/checklist", json=CHECKLIST).raise_for_status()
        nurse.post(f"/api/sessions/{sid}/screening", json=screening_form()).raise_for_status()
        nurse.put(f"/api/sessions/{sid}/readings/{uuid.uuid4()}", json=vitals()).raise_for_status()
        answer = nurse.post(f"/api/sessions/{sid}/transitions", json={"to": "infusion"})
        assert answer.status_code == 200, answer.text
    return sid


def test_spravato_phases_are_named_as_its_label_names_them(
    vigil_server: VigilServer, signed_in: Callable[..., Page], tmp_path: Path
) -> None:
    sid = dosing_spravato(vigil_server)

    doctor = signed_in("physician", viewport={"width": 1920, "height": 1080})
    start_monitoring(doctor)
    tile = doctor.locator(f"[data-session='{sid}']")
    expect(tile.get_by_test_id("phase")).to_contain_text("Dosing")
    expect(tile.get_by_test_id("phase")).not_to_contain_text("Infusion")
    doctor.screenshot(path=tmp_path / "dashboard-spravato-1920x1080.png")

    nurse = signed_in("nurse", viewport={"width": 1024, "height": 768})
    nurse.goto(f"/#/nurse/{sid}")
    badge = nurse.locator(".phase-badge").first
    expect(badge).to_have_text("Dosing")
    expect(nurse.get_by_role("heading", name="Phase: Dosing")).to_be_visible()
    expect(nurse.get_by_role("button", name="Pause dosing")).to_be_visible()
    expect(nurse.get_by_role("button", name="Stop dosing → observation")).to_be_visible()
    expect(nurse.get_by_role("button", name=re.compile("infusion"))).to_have_count(0)
    nurse.screenshot(path=tmp_path / "nurse-spravato-1024x768.png")

    # Into observation: the physician's tile follows live, named as the label names it.
    with vigil_server.api("nurse") as api:
        answer = api.post(f"/api/sessions/{sid}/transitions", json={"to": "recovery"})
        assert answer.status_code == 200, answer.text
    expect(tile.get_by_test_id("phase")).to_contain_text("Observation")
    expect(badge).to_have_text("Observation")

    doctor.goto(f"/#/sessions/{sid}")
    chart = doctor.get_by_role("img", name=re.compile("Vital signs chart"))
    expect(chart).to_have_attribute(
        "aria-label", re.compile(r"phases: Pre-infusion, Dosing, Observation;")
    )
    expect(doctor.get_by_text("Phase → Dosing")).to_be_visible()
    expect(doctor.get_by_text("Phase → Observation")).to_be_visible()
    doctor.screenshot(path=tmp_path / "session-spravato-1920x1080.png")
