import uuid

import pytest
from prometheus_client import REGISTRY

from tests import factories

pytestmark = pytest.mark.anyio


def readings_recorded() -> float:
    return REGISTRY.get_sample_value("vigil_readings_recorded_total") or 0.0


async def test_metrics_count_requests_and_readings(staff):
    s = await factories.session(staff.nurse)
    before = readings_recorded()
    answer = await factories.put_reading(staff.nurse, s["id"], reading_id=str(uuid.uuid4()))
    await staff.nurse.put(
        answer.request.url.path,
        content=answer.request.content,
        headers={"Content-Type": "application/json"},
    )  # a replay: not counted
    assert readings_recorded() == before + 1
    text = (await staff.admin.get("/metrics")).text
    assert 'vigil_http_requests_total{method="POST",route="/api/sessions",status="201"}' in text
    assert "vigil_http_request_seconds_bucket" in text
    assert f"vigil_readings_recorded_total {before + 1}" in text
    assert "vigil_websocket_connections" in text
    assert (await staff.nurse.get("/metrics")).status_code == 403


async def test_readyz_reports_an_unreachable_database(app, anon):
    assert (await anon.get("/readyz")).status_code == 200
    real = app.state.database
    from app.db import Database

    # A database that cannot be reached (nothing listens on port 1).
    app.state.database = Database("postgresql+asyncpg://vigil@127.0.0.1:1/none")
    try:
        down = await anon.get("/readyz")
        assert down.status_code == 503
        assert down.json()["database"] == "unreachable"
    finally:
        await app.state.database.dispose()
        app.state.database = real
    assert (await anon.get("/readyz")).status_code == 200
