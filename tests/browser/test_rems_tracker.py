"""The Spravato REMS tracker as an admin uses it at 1024×768 and 1920×1080: a form overdue is
marked in words above one still due, the pre-filled PDF downloads, and marking one submitted
shows who did it and when."""

import os
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.demo import ALDRETE
from app.sessions.models import InfusionSession
from tests.browser.support import VigilServer
from tests.browser.test_station import box
from tests.factories import CHECKLIST, screening_form, vitals

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("VIGIL_TEST_SCREENSHOTS")
SMALL = {"width": 1024, "height": 768}
FULL_HD = {"width": 1920, "height": 1080}


def discharged_spravato(server: VigilServer, name: str) -> str:
    """A Spravato session dosed and discharged now, through the API: the nurse prepares and
    doses, a physician discharges before the 2-hour observation (an override with a reason)."""
    chair = server.chair(f"Chair {name}")
    with server.api("nurse") as nurse:
        patient = nurse.post(
            "/api/patients",
            json={
                "mrn": f"E2E-{uuid.uuid4().hex[:10]}",
                "full_name": name,
                "date_of_birth": "1979-05-14",
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
                "dose_mg": 84,
            },
        )
        assert made.status_code == 201, made.text
        sid = str(made.json()["id"])
        nurse.patch(f"/api/sessions/{sid}/checklist", json=CHECKLIST).raise_for_status()
        nurse.post(f"/api/sessions/{sid}/screening", json=screening_form()).raise_for_status()
        nurse.put(f"/api/sessions/{sid}/readings/{uuid.uuid4()}", json=vitals()).raise_for_status()
        for phase in ("infusion", "recovery"):
            answer = nurse.post(f"/api/sessions/{sid}/transitions", json={"to": phase})
            assert answer.status_code == 200, answer.text
    with server.api("physician") as physician:
        answer = physician.post(
            f"/api/sessions/{sid}/transitions",
            json={
                "to": "discharged",
                "aldrete": ALDRETE,
                "override": True,
                "reason": "E2E: the tracker needs a discharged session",
            },
        )
        assert answer.status_code == 200, answer.text
    return sid


def days_pass(server: VigilServer, session_id: str, days: float) -> None:
    """The session ended `days` earlier: no API moves a discharge back in time."""
    engine = create_engine(f"sqlite:///{server.database}")
    try:
        with Session(engine) as db:
            s = db.get(InfusionSession, uuid.UUID(session_id))
            assert s is not None and s.ended_at is not None
            s.ended_at -= timedelta(days=days)
            db.commit()
    finally:
        engine.dispose()


def no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    table = box(page.get_by_test_id("rems"))
    assert table["x"] >= 0 and table["x"] + table["width"] <= page.viewport_size["width"]  # type: ignore[index]


def test_overdue_first_then_due_and_marking_one_submitted(
    vigil_server: VigilServer, signed_in: Callable[..., Page], tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:4]
    due = discharged_spravato(vigil_server, f"Dana Due {tag}")
    late = discharged_spravato(vigil_server, f"Lee Late {tag}")
    days_pass(vigil_server, late, 9)

    page = signed_in("admin", viewport=SMALL)
    page.goto("/#/admin/rems")
    expect(page.get_by_role("heading", level=1)).to_have_text("Spravato REMS forms")
    expect(page.get_by_role("link", name="REMS forms")).to_have_attribute("aria-current", "page")
    header = page.get_by_test_id("rems").locator("thead th")
    expect(header).to_have_text(
        ["Patient", "Discharged", "Due by", "Days left", "Submitted", "Form"]
    )
    rows = page.get_by_test_id("rems").locator("tbody tr")
    late_row, due_row = page.get_by_test_id(f"rems-{late}"), page.get_by_test_id(f"rems-{due}")
    # Overdue first, said in words and a symbol, not by colour alone.
    expect(rows.first).to_have_attribute("data-testid", f"rems-{late}")
    expect(late_row.get_by_test_id("rems-left")).to_have_text("⚠ OVERDUE by 2 days")
    expect(due_row.get_by_test_id("rems-left")).to_have_text(re.compile(r"^7 days left$"))
    expect(late_row).to_contain_text(f"Lee Late {tag}")
    expect(late_row.get_by_test_id("rems-submitted")).to_contain_text("✘ Not yet")
    marker, row = box(late_row.locator(".overdue-badge")), box(late_row)
    assert row["x"] <= marker["x"] and marker["x"] + marker["width"] <= row["x"] + row["width"]
    assert row["y"] <= marker["y"] and marker["y"] + marker["height"] <= row["y"] + row["height"]
    no_horizontal_scroll(page)

    # The form itself, pre-filled: a PDF.
    with page.expect_download() as download:
        due_row.get_by_role("link", name=re.compile("Download PDF")).click()
    pdf = tmp_path / "rems.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    due_row.get_by_role("button", name="Mark submitted…").click()
    due_row.get_by_label("Portal or fax reference (optional)").fill("portal 4471")
    no_horizontal_scroll(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/admin-rems-1024x768.png", full_page=True)
    due_row.get_by_role("button", name="Confirm submitted").click()
    expect(page.get_by_test_id("rems-msg")).to_have_text(
        f"✓ Marked the form of Dana Due {tag} submitted."
    )
    submitted = due_row.get_by_test_id("rems-submitted")
    expect(submitted).to_contain_text(re.compile(r"✓ \d{4}-\d\d-\d\d \d\d:\d\d by E2E Admin"))
    expect(submitted).to_contain_text("ref. portal 4471")
    expect(due_row.get_by_test_id("rems-left")).to_have_text("— sent")
    expect(due_row.get_by_role("button", name="Mark submitted…")).to_have_count(0)

    # What the server kept, after a reload: still overdue first, the other one sent by the admin.
    page.reload()
    expect(rows.first).to_have_attribute("data-testid", f"rems-{late}")
    expect(due_row.get_by_test_id("rems-submitted")).to_contain_text("by E2E Admin")
    expect(late_row.get_by_test_id("rems-left")).to_contain_text("OVERDUE")
    no_horizontal_scroll(page)
    page.set_viewport_size(FULL_HD)
    no_horizontal_scroll(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/admin-rems-1920x1080.png")


def test_only_an_admin_has_the_tracker(signed_in: Callable[..., Page]) -> None:
    page = signed_in("physician", viewport=SMALL)
    page.goto("/#/admin/rems")
    # Physicians keep the Exports tab only; the tracker is not offered to them.
    expect(page.get_by_role("navigation", name="Administration").get_by_role("link")).to_have_text(
        ["Exports"]
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports")
