"""The README's run command: `vigil demo` serves a live demo clinic a newcomer can sign into."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

PASSWORD = "demo-test-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = os.environ | {
        "VIGIL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
        "VIGIL_DEMO_PASSWORD": PASSWORD,
        "VIGIL_LOG_LEVEL": "WARNING",
    }
    vigil = Path(sys.executable).parent / "vigil"
    process = subprocess.Popen(
        [vigil, "demo", "--port", str(port), "--speed", "120", "--mllp-port", str(free_port())],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("vigil demo did not become ready")
        yield base
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        assert "username doctor" in output and PASSWORD in output  # credentials were printed


def both_sources(sources: set[tuple[str, str | None]]) -> bool:
    """A nurse-entered reading and a monitor-charted one (two monitors are not two sources)."""
    return {s for s, _device in sources} == {"manual", "device"}


def test_demo_streams_simulated_readings(demo: str) -> None:
    token = httpx.post(
        f"{demo}/api/auth/token", data={"username": "doctor", "password": PASSWORD}
    ).json()["access_token"]
    with connect(demo.replace("http", "ws") + "/api/live") as ws:
        ws.send(json.dumps({"type": "auth", "token": token}))
        snapshot = json.loads(ws.recv(timeout=10))
        assert snapshot["type"] == "snapshot"
        deadline = time.monotonic() + 45
        readings = []
        sources: set[tuple[str, str | None]] = set()
        validated: list[dict[str, Any]] = []
        while time.monotonic() < deadline and (
            len(readings) < 3 or not both_sources(sources) or not validated
        ):
            message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            events = message["messages"] if message.get("type") == "batch" else [message]
            for event in events:
                if event.get("event") == "reading.created":
                    reading = event["data"]["reading"]
                    readings.append(reading)
                    sources.add((reading["source"], reading["device_id"]))
                if event.get("event") == "readings.validated":
                    validated += event["data"]["readings"]
    assert len(readings) >= 3
    # The demo nurse validates what the monitors send.
    assert validated and all(r["validated_by_name"] for r in validated), validated
    # Nurse-entered chairs and monitor-charted ones.
    assert ("manual", None) in sources
    assert any(d and d.startswith("00A0B0C0D0E0") for s, d in sources if s == "device"), sources
    # Every chair gets a session (the six start one after another, and may be between patients).
    chairs = {f"Chair {i}" for i in range(1, 7)}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sessions = httpx.get(
            f"{demo}/api/sessions", headers={"Authorization": f"Bearer {token}"}
        ).json()
        if {s["location"] for s in sessions} == chairs:
            break
        time.sleep(0.5)
    assert {s["location"] for s in sessions} == chairs
    assert all(s["patient"]["mrn"].startswith("DEMO-") for s in sessions)
