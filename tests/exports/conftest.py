"""A session with everything an export must carry, built through the HTTP API: a baseline, a
high alert that is acknowledged, an amended reading, a reading entered in error, a note, and a
discharge by physician override."""

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests import factories
from tests.factories import ago, put_reading, transition

ALDRETE_OK = {
    "activity": 2,
    "respiration": 2,
    "circulation": 2,
    "consciousness": 2,
    "oxygen_saturation": 1,
}


@dataclass
class Story:
    session_id: str
    patient: dict[str, Any]
    readings: dict[str, str] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)


async def _reading(client: Any, sid: str, name: str, story: Story, **values: Any) -> None:
    reading_id = str(uuid.uuid4())
    answer = await put_reading(client, sid, reading_id, **values)
    assert answer.status_code == 201, answer.text
    story.readings[name] = reading_id


@pytest.fixture
async def story(staff: Any) -> Story:
    nurse, physician = staff.nurse, staff.physician
    patient = await factories.patient(nurse, mrn="EXP-4711", full_name="Ada Lovelace")
    s = await factories.session(nurse, patient_id=patient["id"], location="Chair 3", weight_kg=80)
    sid = s["id"]
    story = Story(session_id=sid, patient=patient)
    await factories.prepare(nurse, sid)
    await _reading(
        nurse,
        sid,
        "baseline",
        story,
        taken_at=ago(seconds=100),
        systolic=128,
        temperature_c=36.6,
        consciousness="A",
        note='=HYPERLINK("x")',
    )
    assert (await transition(nurse, sid, "infusion")).status_code == 200
    await _reading(
        nurse,
        sid,
        "high_bp",
        story,
        taken_at=ago(seconds=80),
        systolic=186,
        diastolic=95,
        heart_rate=88,
    )
    await _reading(nurse, sid, "typo", story, taken_at=ago(seconds=60), heart_rate=150)
    amend = await nurse.post(
        f"/api/sessions/{sid}/readings/{story.readings['typo']}/amend",
        json={"reason": "typed 150 for 105", "heart_rate": 105},
    )
    assert amend.status_code == 201, amend.text
    story.readings["correction"] = amend.json()["reading"]["id"]
    await _reading(nurse, sid, "probe_off", story, taken_at=ago(seconds=40), spo2=85)
    error = await nurse.post(
        f"/api/sessions/{sid}/readings/{story.readings['probe_off']}/entered-in-error",
        json={"reason": "probe fell off"},
    )
    assert error.status_code == 200, error.text
    await _reading(
        nurse,
        sid,
        "normal",
        story,
        taken_at=ago(seconds=20),
        systolic=132,
        diastolic=82,
        sedation_rass=-1,
        dissociation_cadss6=4,
    )
    alerts = (await nurse.get("/api/alerts", params={"session_id": sid})).json()
    high = next(a for a in alerts if a["rule"] == "sbp_high")
    ack = await physician.post(
        f"/api/alerts/{high['id']}/acknowledge", json={"note": "manual cuff recheck"}
    )
    assert ack.status_code == 200, ack.text
    note = await nurse.post(
        f"/api/sessions/{sid}/notes", json={"kind": "note", "text": "Mild nausea"}
    )
    assert note.status_code == 201
    assert (await transition(nurse, sid, "recovery")).status_code == 200
    done = await transition(
        physician,
        sid,
        "discharged",
        aldrete=ALDRETE_OK,
        override=True,
        reason="Recovered early; reviewed at the chair",
    )
    assert done.status_code == 200, done.text
    story.alerts = (await nurse.get("/api/alerts", params={"session_id": sid})).json()
    assert {a["rule"] for a in story.alerts} >= {"sbp_high", "hr_high", "spo2_low"}
    return story
