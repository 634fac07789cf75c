import pytest

pytestmark = pytest.mark.anyio


async def test_health(anon):
    assert (await anon.get("/healthz")).status_code == 200
    assert (await anon.get("/readyz")).json() == {"status": "ok", "database": "ok"}


async def test_me(staff):
    me = await staff.nurse.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["role"] == "nurse"
