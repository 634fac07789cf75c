"""Regenerate docs/screenshots/ from a live demo clinic (`make screenshots`).

Starts `vigil demo` on a fresh SQLite file in a temporary directory and a free loopback port
(clinical time 60x faster), lets the simulated chairs run for a while, signs in through the
login page as each role and saves:

    dashboard.png       physician dashboard (after "Start monitoring"), 1920x1080
    session-detail.png  a chair with alerts, 1920x1080
    nurse-entry.png     nurse entry on a 1024x768 tablet
    admin.png           admin users page, 1920x1080

Needs the built dashboard (frontend/dist) and Debian's Chromium (/usr/bin/chromium, or set
VIGIL_CHROMIUM). Every patient and user shown is fictional DEMO data.
"""

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "frontend" / "dist"
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("VIGIL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDE = {"width": 1920, "height": 1080}
TABLET = {"width": 1024, "height": 768}
DEMO_USERS = {"nurse": "nurse", "physician": "doctor", "admin": "admin"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def say(message: str) -> None:
    print(f"screenshots: {message}", flush=True)


def wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"vigil demo exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit(f"vigil demo was not ready within 60 s:\n{log.read_text()[-3000:]}")


RANK = {"high": 3, "medium": 2, "low": 1}


def chair_with_alerts(api: httpx.Client) -> dict[str, Any] | None:
    """The active session with the worst open alerts now (high alerts latch until acknowledged)."""
    sessions = api.get("/api/sessions", params={"active": "true"}).raise_for_status().json()
    with_alerts = [s for s in sessions if s.get("open_alerts")]
    if not with_alerts:
        return None
    return max(  # type: ignore[no-any-return]
        with_alerts,
        key=lambda s: (
            max(RANK.get(a["priority"], 0) for a in s["open_alerts"]),
            len(s["open_alerts"]),
        ),
    )


def wait_activity(api: httpx.Client, seconds: float) -> None:
    """Let the chairs run `seconds`, then until some chair has a high alert (90 s at most)."""
    time.sleep(seconds)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        chosen = chair_with_alerts(api)
        if chosen and any(a["priority"] == "high" for a in chosen["open_alerts"]):
            return
        time.sleep(1)
    if chair_with_alerts(api) is None:
        sys.exit("no chair raised an alert within 90 s of demo activity")


def login(browser: Browser, base: str, role: str, password: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(base_url=base, viewport=viewport, device_scale_factor=1)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/#/login")
    page.get_by_label("Username").fill(DEMO_USERS[role])
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def settle(page: Page) -> None:
    """Wait until the page is quiet: live data in, charts drawn, no spinner text."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1200)


def shoot(page: Page, name: str) -> None:
    path = OUT / name
    page.screenshot(path=str(path))
    say(f"wrote {path.relative_to(ROOT)}")


def capture(base: str, password: str, api: httpx.Client) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            doctor = login(browser, base, "physician", password, WIDE)
            doctor.get_by_role("button", name="Start monitoring").click()
            expect(doctor.get_by_test_id("live-status")).to_contain_text("Live")
            expect(doctor.locator("[data-testid^=tile-]").first).to_be_visible()
            settle(doctor)
            shoot(doctor, "dashboard.png")

            # Medium alerts clear as the chairs recover: pick the chair now, and check the page.
            for _ in range(10):
                chosen = chair_with_alerts(api)
                if chosen is None:
                    time.sleep(2)
                    continue
                doctor.goto(f"/#/sessions/{chosen['id']}")
                expect(doctor.get_by_role("heading", name="Timeline")).to_be_visible()
                settle(doctor)
                if doctor.locator("li.alert-row").count():
                    break
            else:
                sys.exit("no chair kept an open alert long enough for its screenshot")
            say(f"session detail: {chosen['location']} ({len(chosen['open_alerts'])} alerts)")
            shoot(doctor, "session-detail.png")

            nurse = login(browser, base, "nurse", password, TABLET)
            nurse.goto(f"/#/nurse/{chosen['id']}")
            expect(nurse.get_by_role("heading", name="New reading")).to_be_visible()
            expect(nurse.get_by_test_id("outbox-status")).to_contain_text("synced")
            settle(nurse)
            shoot(nurse, "nurse-entry.png")

            admin = login(browser, base, "admin", password, WIDE)
            expect(admin.get_by_role("heading", name="Users")).to_be_visible()
            settle(admin)
            shoot(admin, "admin.png")
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warmup", type=float, default=20, help="seconds of demo activity first")
    parser.add_argument("--speed", type=float, default=60, help="clinical minutes per minute")
    args = parser.parse_args()

    if not (DIST / "index.html").is_file():
        sys.exit(f"{DIST / 'index.html'} is missing: run `make frontend` first")
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium not found at {CHROMIUM}: run `make chromium` or set VIGIL_CHROMIUM")
    OUT.mkdir(parents=True, exist_ok=True)
    vigil = Path(sys.executable).parent / "vigil"
    password = secrets.token_urlsafe(12)
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    with tempfile.TemporaryDirectory(prefix="vigil-screens-") as tmp:
        log = Path(tmp) / "demo.log"
        env = os.environ | {
            "VIGIL_DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}",
            "VIGIL_DEMO_PASSWORD": password,
            "VIGIL_FRONTEND_DIST": str(DIST),
            "VIGIL_LOG_LEVEL": "WARNING",
        }
        command = [str(vigil), "demo", "--host", "127.0.0.1", "--port", str(port)]
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603  (our own entry point, fixed arguments)
                [*command, "--speed", str(args.speed)],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            say(f"vigil demo starting on {base}")
            wait_ready(base, process, log)
            token = httpx.post(
                f"{base}/api/auth/token", data={"username": "doctor", "password": password}
            ).raise_for_status()
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            with httpx.Client(base_url=base, headers=headers, timeout=10) as api:
                say(f"letting the simulated chairs run for {args.warmup:.0f} s")
                wait_activity(api, args.warmup)
                capture(base, password, api)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            say("vigil demo stopped")


if __name__ == "__main__":
    main()
