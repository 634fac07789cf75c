"""Signing in: wrong passwords, where each role lands, and a reload keeping the login."""

import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pyotp
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.support import HOME, PASSWORD, USERS, VigilServer, login

pytestmark = pytest.mark.browser

NewPage = Callable[..., Page]


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()


def test_wrong_password_is_refused_readably(page: Page) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile("#/login$"))
    page.get_by_label("Username").fill(USERS["nurse"])
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("Incorrect username or password"))
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    expect(page).to_have_url(re.compile("#/login$"))
    assert not [c for c in page.context.cookies() if c["httpOnly"]]


@pytest.mark.parametrize(
    ("role", "heading"),
    [("nurse", "Choose a chair"), ("physician", "Chairs"), ("admin", "Users")],
)
def test_each_role_lands_on_its_home(page: Page, role: str, heading: str) -> None:
    login(page, role)
    expect(page).to_have_url(re.compile(re.escape(HOME[role]) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_nurse_cannot_open_the_admin_pages(page: Page) -> None:
    login(page, "nurse")
    page.goto("/#/admin/users")
    expect(page).to_have_url(re.compile(re.escape(HOME["nurse"]) + "$"))


def test_reload_keeps_the_login(signed_in: NewPage) -> None:
    page = signed_in("physician")
    [cookie] = [c for c in page.context.cookies() if c["httpOnly"]]
    assert cookie["sameSite"] == "Strict"
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chairs")
    expect(page).to_have_url(re.compile("#/dashboard$"))
    expect(page.get_by_label("Password")).to_have_count(0)
    expect(page.get_by_test_id("live-status")).to_contain_text("Live")
    # Deep links survive a reload too.
    page.goto("/#/admin/exports")
    expect(page.get_by_role("heading", name="Exports")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Exports")).to_be_visible()


def test_sign_out_ends_the_login(signed_in: NewPage) -> None:
    page = signed_in("nurse")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Password")).to_be_visible()
    page.reload()
    expect(page).to_have_url(re.compile("#/login$"))
    expect(page.get_by_label("Password")).to_be_visible()


def test_two_step_sign_in_asks_for_the_code(
    page: Page, vigil_server: VigilServer, tmp_path: Path
) -> None:
    username = "e2e-mfa-nurse"
    with vigil_server.api("admin") as api:
        created = api.post(
            "/api/users",
            json={
                "username": username,
                "display_name": "E2E MFA",
                "role": "nurse",
                "password": PASSWORD,
            },
        )
        assert created.status_code == 201, created.text
    with httpx.Client(base_url=vigil_server.base, timeout=10) as client:
        token = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        totp = pyotp.TOTP(client.post("/api/auth/mfa/enrol").json()["secret"])
        # Confirmed with the previous step's code, so the current one is left for the browser.
        confirmed = client.post("/api/auth/mfa/confirm", json={"code": totp.at(time.time() - 30)})
        assert confirmed.status_code == 200, confirmed.text
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto("/")
    expect(page.get_by_label("One-time code")).to_have_count(0)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    code = page.get_by_label("One-time code")
    expect(code).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("6-digit code")
    # Under the password, whole, inside the tablet's screen.
    box, above = code.bounding_box(), page.get_by_label("Password").bounding_box()
    assert box is not None and above is not None
    assert box["y"] > above["y"] + above["height"] and box["y"] + box["height"] < 768
    assert box["width"] >= 200 and box["height"] >= 32
    page.screenshot(path=str(tmp_path / "login-one-time-code-1024x768.png"))
    code.fill(totp.now())
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(HOME["nurse"]) + "$"))
