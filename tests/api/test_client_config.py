"""The dashboard reads its idle timeout and heartbeat from the server, never from a copy."""

import pytest

pytestmark = pytest.mark.anyio


async def test_client_config_follows_the_settings(app, staff, anon):
    settings = app.state.settings
    answer = await staff.nurse.get("/api/client-config")
    assert answer.status_code == 200
    assert answer.json() == {
        "idle_timeout_seconds": settings.idle_timeout_minutes * 60,
        "heartbeat_seconds": settings.heartbeat_seconds,
        "late_entry_seconds": settings.late_entry_hours * 3600,
    }
    assert (await anon.get("/api/client-config")).status_code == 401
