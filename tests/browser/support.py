"""What the browser tests share besides fixtures: users, the server handle, signing in."""

import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / os.environ.get("VIGIL_FRONTEND_DIST", "frontend/dist")  # as the app resolves it
CHROMIUM = os.environ.get("VIGIL_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-test-password-1"
USERS = {"nurse": "nina", "physician": "phil", "admin": "ada"}
HOME = {"nurse": "#/nurse", "physician": "#/dashboard", "admin": "#/admin"}


@dataclass
class VigilServer:
    base: str
    log: Path
    mllp_port: int
    # The server's SQLite file: only for what no API can do, such as a week passing.
    database: Path
    _tokens: dict[str, str] = field(default_factory=dict)

    def api(self, role: str) -> httpx.Client:
        """An API client for `role` with a bearer token (not subject to the cookie's CSRF check)."""
        if role not in self._tokens:
            answer = httpx.post(
                f"{self.base}/api/auth/token",
                data={"username": USERS[role], "password": PASSWORD},
            )
            assert answer.status_code == 200, answer.text
            self._tokens[role] = answer.json()["access_token"]
        return httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {self._tokens[role]}"},
            timeout=10,
        )

    def chair(self, name: str) -> str:
        """The id of the chair `name` at the clinic's site, which the admin adds if missing."""
        with self.api("admin") as api:
            site = api.get("/api/sites").json()[0]
            for chair in site["chairs"]:
                if chair["name"] == name:
                    return str(chair["id"])
            answer = api.post(f"/api/sites/{site['id']}/chairs", json={"name": name})
            assert answer.status_code == 201, answer.text
            return str(answer.json()["id"])

    def new_session(self, location: str) -> dict[str, Any]:
        """A fresh patient and a session in `pre_infusion` in the chair `location`, made through
        the API by the nurse."""
        chair_id = self.chair(location)
        with self.api("nurse") as api:
            patient = api.post(
                "/api/patients",
                json={
                    "mrn": f"E2E-{uuid.uuid4().hex[:10]}",
                    "full_name": f"Test Patient {location}",
                    "date_of_birth": "1980-04-02",
                },
            )
            assert patient.status_code == 201, patient.text
            session = api.post(
                "/api/sessions",
                json={
                    "patient_id": patient.json()["id"],
                    "chair_id": chair_id,
                    "weight_kg": 70,
                    "dose_mg_per_kg": 0.5,
                },
            )
            assert session.status_code == 201, session.text
            return session.json()  # type: ignore[no-any-return]

    def readings(self, session_id: str) -> list[dict[str, Any]]:
        with self.api("physician") as api:
            answer = api.get(f"/api/sessions/{session_id}/readings")
            assert answer.status_code == 200, answer.text
            return answer.json()  # type: ignore[no-any-return]

    def alerts(self, session_id: str) -> list[dict[str, Any]]:
        with self.api("physician") as api:
            answer = api.get("/api/alerts")
            assert answer.status_code == 200, answer.text
            return [a for a in answer.json() if a["session_id"] == session_id]


def login(page: Page, role: str, *, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait for the role's home page."""
    page.goto("/#/login")
    page.get_by_label("Username").fill(USERS[role])
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(HOME[role]) + "(/|$)"))


def enter_reading(page: Page, expect_text: str = "Saved ✓", **values: str | int) -> None:
    """Fill the nurse form (keys are the input ids: hr, sbp, dbp, spo2, rr, ...), save it, and
    wait for what the form says became of it ("Saved ✓" only once the server stored it)."""
    for field_id, value in values.items():
        page.locator(f"#{field_id}").fill(str(value))
    page.get_by_role("button", name="Save reading").click()
    expect(page.get_by_test_id("saved-msg")).to_contain_text(expect_text)


def start_monitoring(page: Page) -> None:
    """The dashboard's one gesture after sign-in or reload: alarms are silent until it."""
    page.get_by_role("button", name="Start monitoring").click()
    expect(page.get_by_test_id("monitor-gate")).to_have_count(0)
