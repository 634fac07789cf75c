import json
import logging
import re

import pytest

from app.logs import JsonFormatter
from tests import factories

pytestmark = pytest.mark.anyio


async def test_logs_carry_no_patient_data_or_secrets(staff, anon, caplog):
    caplog.set_level(logging.DEBUG)
    p = await factories.patient(staff.nurse, full_name="Quentin Zebulon", mrn="PHI-7781")
    await staff.nurse.get("/api/patients", params={"q": "Zebulon"})
    s = await factories.session(staff.nurse, patient_id=p["id"])
    await factories.put_reading(staff.nurse, s["id"], systolic=187, heart_rate=133)
    await anon.post("/api/auth/login", json={"username": "nurse", "password": "Secret-Pass-123"})
    token = staff.nurse.headers["Authorization"].split()[1]
    formatter = JsonFormatter()
    # httpx is the test's own client; everything else is the server's. A latency is the
    # server's own figure: 133.9 ms is not the heart rate.
    lines = [json.loads(formatter.format(r)) for r in caplog.records if r.name != "httpx"]
    text = "\n".join(
        json.dumps({k: v for k, v in line.items() if k != "latency_ms"}) for line in lines
    )
    assert '"route": "/api/sessions/{session_id}/readings/{reading_id}"' in text
    for secret in ("Zebulon", "Quentin", "PHI-7781", "Secret-Pass-123", token):
        assert secret not in text
    # The vitals as numbers of their own: a hash or request id may hold the digits "133".
    for vital in ("187", "133"):
        assert not re.search(rf"\b{vital}\b", text), vital
