"""Signing in: wrong passwords, where each role lands, and a reload keeping the login."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.support import HOME, USERS, login

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
