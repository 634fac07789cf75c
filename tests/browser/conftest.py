"""End-to-end fixtures: a real `vigil serve` subprocess on a fresh SQLite file and Debian's
Chromium driven by Playwright's sync API.

One server (and one browser) serves the whole browser suite; every test makes its own patient and
session and opens its own browser contexts (separate cookies and IndexedDB), so tests share no
state that matters to them.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DIST,
    PASSWORD,
    ROOT,
    USERS,
    VigilServer,
    login,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="package")
def vigil_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VigilServer]:
    if not (DIST / "index.html").is_file():
        pytest.fail(
            f"{DIST / 'index.html'} is missing: the browser tests need the built dashboard. "
            "Run `make frontend` (or `cd frontend && npm ci && npm run build`) first.",
            pytrace=False,
        )
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make chromium` "
            "(or set VIGIL_TEST_CHROMIUM to a Chromium binary).",
            pytrace=False,
        )
    tmp = tmp_path_factory.mktemp("vigil-e2e")
    mllp_port = free_port()
    database = tmp / "vigil.db"
    env = os.environ | {
        # Its MLLP listener too, so a test can send what a bedside monitor sends.
        "VIGIL_MLLP_PORT": str(mllp_port),
        "VIGIL_MLLP_HOST": "127.0.0.1",
        "VIGIL_MLLP_ALLOWED_SOURCES": '["127.0.0.1"]',
        "VIGIL_ENV": "test",
        "VIGIL_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "VIGIL_FRONTEND_DIST": str(DIST),
        "VIGIL_LOG_LEVEL": "WARNING",
        # An escalation ends an audio pause by design. At the default 60 s a fixture's high
        # alerts escalated in the middle of a test on a loaded machine (CI saw the pause
        # banner vanish); escalation itself is tested through the API.
        "VIGIL_ESCALATION_SECONDS": "3600",
    }
    vigil = str(Path(sys.executable).parent / "vigil")
    # The admin the documented way (this also migrates the fresh file); the others through the API.
    create_admin = [vigil, "create-user", "--username", USERS["admin"], "--role", "admin"]
    subprocess.run(
        [*create_admin, "--password", PASSWORD, "--display-name", "E2E Admin"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    )
    port = free_port()
    log = tmp / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [vigil, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"vigil serve exited with {process.returncode}:\n{_log_tail(log)}")
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vigil serve was not ready within 90 s:\n{_log_tail(log)}")
            time.sleep(0.1)
        server = VigilServer(base=base, log=log, mllp_port=mllp_port, database=database)
        with server.api("admin") as api:
            for role in ("nurse", "physician"):
                answer = api.post(
                    "/api/users",
                    json={
                        "username": USERS[role],
                        "display_name": f"E2E {role.title()}",
                        "role": role,
                        "password": PASSWORD,
                    },
                )
                assert answer.status_code == 201, answer.text
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="package")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    chromium = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


NewContext = Callable[..., BrowserContext]


@pytest.fixture
def new_context(browser: Browser, vigil_server: VigilServer) -> Iterator[NewContext]:
    """Open a browser context (its own cookies and IndexedDB) on the server; closed afterwards."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=vigil_server.base, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def signed_in(new_context: NewContext) -> Callable[..., Page]:
    """A page in a fresh context, signed in as `role` through the login form."""

    def make(role: str, **options: Any) -> Page:
        page = new_context(**options).new_page()
        login(page, role)
        return page

    return make
