"""Admin screens at the physician's desk size: clinic limits edited and saved, the audit log."""

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer

pytestmark = pytest.mark.browser

DESK = {"width": 1920, "height": 1080}


@pytest.fixture
def clinic_rules(vigil_server: VigilServer) -> Iterator[list[dict[str, Any]]]:
    """The clinic rules as they were; put back afterwards (the server is shared by the package)."""
    with vigil_server.api("admin") as api:
        before = api.get("/api/alert-rules").json()
    yield before
    with vigil_server.api("admin") as api:
        assert api.put("/api/alert-rules", json=before).status_code == 200


def rule(rules: list[dict[str, Any]], code: str) -> dict[str, Any]:
    return next(r for r in rules if r["code"] == code)


def test_admin_changes_a_clinic_limit(
    signed_in: Callable[..., Page],
    vigil_server: VigilServer,
    clinic_rules: list[dict[str, Any]],
    tmp_path: Path,
) -> None:
    page = signed_in("admin", viewport=DESK)
    page.goto("/#/admin/rules")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic alert limits")
    row = page.get_by_test_id("rule-sbp_high")
    expect(row).to_contain_text("SBP")
    limit = page.get_by_label("sbp_high high limit")
    expect(limit).to_have_value(f"{rule(clinic_rules, 'sbp_high')['high']['value']:g}")
    page.screenshot(path=tmp_path / "admin-rules.png")

    # Not a number: said before anything is sent, the saved rules unchanged.
    limit.fill("18O")
    page.get_by_role("button", name="Save limits").click()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile("sbp_high high limit: enter a number")
    )

    limit.fill("185")
    page.get_by_label("sbp_high medium limit").fill("")
    page.get_by_role("button", name="Save limits").click()
    # Less sensitive alarms: the server asks for a reason and a confirmation first.
    dialog = page.get_by_test_id("loosening")
    expect(dialog).to_contain_text("Systolic BP high: medium limit > 160 removed")
    save = page.get_by_role("button", name="Save with reason")
    expect(save).to_be_disabled()
    page.get_by_label("Reason").fill("medical director sign-off 2026-12")
    page.get_by_label("I confirm").check()
    save.click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    with vigil_server.api("admin") as api:
        saved = rule(api.get("/api/alert-rules").json(), "sbp_high")
    assert saved["high"] == {"op": ">=", "value": 185}
    assert saved["medium"] is None
    # The table shows what the server saved, not only what was typed.
    page.reload()
    expect(page.get_by_label("sbp_high high limit")).to_have_value("185")
    expect(page.get_by_label("sbp_high medium limit")).to_have_value("")

    # The server's own refusal is shown in words (high must be past medium).
    page.get_by_label("sbp_high medium limit").fill("190")
    page.get_by_role("button", name="Save limits").click()
    expect(page.get_by_role("alert")).to_contain_text("sbp_high")


def test_audit_log_shows_the_chain_and_the_entries(
    signed_in: Callable[..., Page], tmp_path: Path
) -> None:
    page = signed_in("admin", viewport=DESK)
    page.goto("/#/admin/audit")
    expect(page.get_by_test_id("audit-verify")).to_have_text(
        re.compile(r"✔ Hash chain intact \(\d+ entries")
    )
    logins = page.locator("table.audit tbody tr").filter(has_text="auth.login")
    expect(logins.first).to_contain_text("ada")
    header = page.locator("table.audit thead th")
    expect(header).to_have_text(
        ["#", "At", "User", "Action", "Target", "Outcome", "Address", "Details"]
    )
    # The table fits the desk screen: no column pushed off to the right.
    box = page.locator("table.audit").bounding_box()
    assert box is not None and box["x"] + box["width"] <= DESK["width"]
    page.screenshot(path=tmp_path / "admin-audit.png")
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    expect(page.get_by_test_id("user-ada")).to_contain_text("admin")
    page.screenshot(path=tmp_path / "admin-users.png")
    page.get_by_role("link", name="Exports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports")
    page.screenshot(path=tmp_path / "admin-exports.png")
