"""A monitor's message and a server killed between receiving it and committing it: the monitor
hears no ACK, resends to the restarted server, and the session has the reading once."""

import asyncio
import sqlite3
from pathlib import Path

import httpx
import pytest

from app.migrate import upgrade
from tests.devices.test_mllp import END, VT, msa, oru
from tests.reliability.conftest import VigilServer, _insert_users, free_port


async def ack_within(port: int, text: str, seconds: float) -> str | None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(VT + text.encode() + END)
        await writer.drain()
        frame = await asyncio.wait_for(reader.readuntil(END), seconds)
        return frame[1:-2].decode()
    except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        return None
    finally:
        writer.close()


def test_killed_before_commit_no_ack_then_one_reading(tmp_path: Path, password_hash: str) -> None:
    path = tmp_path / "vigil.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    asyncio.run(_insert_users(url, password_hash))
    mllp_port = free_port()
    server = VigilServer(
        url,
        tmp_path,
        VIGIL_MLLP_PORT=str(mllp_port),
        VIGIL_MLLP_HOST="127.0.0.1",
        VIGIL_MLLP_ALLOWED_SOURCES='["127.0.0.1"]',
    )
    server.start()
    try:
        headers = {"Authorization": f"Bearer {server.token('nurse')}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as api:
            p = api.post(
                "/api/patients",
                json={"mrn": "KILL-1", "full_name": "Sam Lee", "date_of_birth": "1979-01-02"},
            )
            assert p.status_code == 201, p.text
            s = api.post(
                "/api/sessions",
                json={
                    "patient_id": p.json()["id"],
                    "chair_id": next(
                        c["id"]
                        for site in api.get("/api/sites").json()
                        for c in site["chairs"]
                        if c["name"] == "Chair 2"
                    ),
                    "weight_kg": 70,
                    "dose_mg_per_kg": 0.5,
                },
            )
            assert s.status_code == 201, s.text
        session_id = s.json()["id"]
        message = oru("KILL-MSG-1", mrn="KILL-1")
        # Another writer holds the database: the reading cannot commit while it does.
        # It waits its turn: the server's own timers may be writing at that moment.
        blocker = sqlite3.connect(path, timeout=10)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            assert asyncio.run(ack_within(mllp_port, message, 2.0)) is None
            server.kill()  # between receive and commit
        finally:
            blocker.rollback()
            blocker.close()
        server.start()
        first = asyncio.run(ack_within(mllp_port, message, 20.0))
        assert first is not None and msa(first)[1:3] == ["AA", "KILL-MSG-1"]
        again = asyncio.run(ack_within(mllp_port, message, 20.0))
        assert again == first
        headers = {"Authorization": f"Bearer {server.token('nurse')}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as api:
            readings = api.get(f"/api/sessions/{session_id}/readings").json()
        assert len(readings) == 1
    finally:
        server.stop()


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
