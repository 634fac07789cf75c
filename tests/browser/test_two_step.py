"""Two-step sign-in from the user's own account page: enrol with the QR code (or the key),
sign out, sign in with a code from the authenticator app; wrong codes are told plainly."""

import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.support import HOME, PASSWORD, VigilServer, start_monitoring

pytestmark = pytest.mark.browser


def new_user(server: VigilServer, username: str, role: str) -> None:
    with server.api("admin") as api:
        created = api.post(
            "/api/users",
            json={
                "username": username,
                "display_name": "Robin Okafor",
                "role": role,
                "password": PASSWORD,
            },
        )
        assert created.status_code == 201, created.text


def sign_in(page: Page, username: str) -> None:
    page.goto("/#/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


SHOTS = Path(os.environ.get("VIGIL_SCREENSHOTS") or Path(tempfile.gettempdir()) / "vigil-shots")


def shot(page: Page, name: str, width: int, height: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": height})
    page.screenshot(path=SHOTS / f"{name}-{width}x{height}.png")


def test_enrol_from_the_account_page_then_sign_in_with_a_code(
    new_context: Callable[..., BrowserContext], vigil_server: VigilServer
) -> None:
    username = "e2e-enrol-physician"
    new_user(vigil_server, username, "physician")
    page = new_context(viewport={"width": 1920, "height": 1080}).new_page()
    sign_in(page, username)
    expect(page).to_have_url(re.compile(re.escape(HOME["physician"]) + "$"))
    start_monitoring(page)

    # The user's own menu: their name in the top bar.
    page.get_by_role("link", name=re.compile("Robin Okafor")).click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text("Two-step sign-in is off")).to_be_visible()
    page.get_by_role("button", name="Set up two-step sign-in").click()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 200 and abs(box["width"] - box["height"]) < 2
    assert box["y"] + box["height"] < 1080
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch("[A-Z2-7]{32}", secret)
    totp = pyotp.TOTP(secret)
    shot(page, "account-enrol", 1920, 1080)
    shot(page, "account-enrol", 1024, 768)

    code = page.get_by_label("Code shown by the app")
    code.fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("this code does not match"))
    # The previous step's code, so the current one is left for signing in; well inside a step,
    # so that it is still one step old when the server checks it.
    if (left := totp.interval - time.time() % totp.interval) < 3:
        time.sleep(left + 0.1)
    code.fill(totp.at(time.time() - 30))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    codes = page.get_by_test_id("recovery-codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    expect(page.get_by_role("status")).to_have_text(re.compile("Two-step sign-in is on"))
    shot(page, "account-recovery-codes", 1024, 768)
    page.get_by_role("button", name="I have saved these codes").click()
    expect(page.get_by_test_id("mfa-status")).to_have_text(re.compile("On. 10 of 10 recovery"))
    expect(codes).to_have_count(0)

    page.get_by_role("button", name="Sign out").click()
    # Signing out is a request, and where the user was is kept once the sign-in page has
    # taken the address: navigating before either lands on the home screen instead.
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page).to_have_url(re.compile("#/login$"))
    sign_in(page, username)
    one_time = page.get_by_label("One-time code")
    expect(one_time).to_be_visible()
    one_time.fill("12345")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("That code is not right"))
    shot(page, "login-wrong-code", 1024, 768)
    expect(page).to_have_url(re.compile("#/login$"))
    one_time.fill(totp.now())
    page.get_by_role("button", name="Sign in").click()
    # Back where they signed out, with two-step sign-in on.
    expect(page).to_have_url(re.compile("#/account$"))
    expect(page.get_by_test_id("mfa-status")).to_have_text(re.compile("On. 10 of 10 recovery"))


def test_turning_two_step_sign_in_off_needs_a_current_code(
    new_context: Callable[..., BrowserContext], vigil_server: VigilServer
) -> None:
    username = "e2e-remove-nurse"
    new_user(vigil_server, username, "nurse")
    page = new_context(viewport={"width": 1024, "height": 768}).new_page()
    sign_in(page, username)
    page.goto("/#/account")
    page.get_by_role("button", name="Set up two-step sign-in").click()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code shown by the app").fill(totp.at(time.time() - 30))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    first_code = page.get_by_test_id("recovery-codes").get_by_role("listitem").first.inner_text()
    page.get_by_role("button", name="I have saved these codes").click()

    page.get_by_role("button", name="Turn off two-step sign-in").click()
    field = page.get_by_label("Current code from your app, or a recovery code")
    field.fill("999999" if totp.now() != "999999" else "888888")
    page.get_by_role("form", name="Turn off two-step sign-in").get_by_role(
        "button", name="Turn off two-step sign-in"
    ).click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("this code does not match"))
    shot(page, "account-remove", 1024, 768)
    field.fill(first_code.strip())
    page.get_by_role("form", name="Turn off two-step sign-in").get_by_role(
        "button", name="Turn off two-step sign-in"
    ).click()
    expect(page.get_by_role("status")).to_have_text(re.compile("Two-step sign-in is off"))
    expect(page.get_by_role("button", name="Set up two-step sign-in")).to_be_visible()
