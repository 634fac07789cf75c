"""The pre-treatment screening: hard stops a physician may override with a reason."""

from datetime import UTC, datetime, timedelta

import pytest

from app.screening.rules import HARD_STOPS
from tests import factories
from tests.factories import transition

pytestmark = pytest.mark.anyio

CLEAR = dict.fromkeys(HARD_STOPS, False)
ESCORT = {"escort_name": "Sam Rivera", "escort_phone": "+1 555 0100"}


def screening(**answers: bool) -> dict:
    return {
        "answers": CLEAR | answers,
        "last_food_at": (datetime.now(UTC) - timedelta(hours=6)).isoformat(),
        **ESCORT,
    }


async def unscreened(nurse) -> str:  # type: ignore[no-untyped-def]
    """A session with its checklist and baseline done, and no screening yet; its id."""
    s = await factories.session(nurse)
    await nurse.patch(f"/api/sessions/{s['id']}/checklist", json=factories.CHECKLIST)
    assert (await factories.put_reading(nurse, s["id"])).status_code == 201
    return str(s["id"])


async def test_a_hard_stop_overridden_by_a_physician_with_a_reason(staff):
    """Blood pressure history says uncontrolled hypertension; the physician reviews the
    home readings, overrides with a reason, and the infusion may start."""
    sid = await unscreened(staff.nurse)
    form = screening(uncontrolled_hypertension=True, hypertension_history=True)
    form["bp_history"] = "home readings 150-160/95 last month, amlodipine started"
    answer = await staff.nurse.post(f"/api/sessions/{sid}/screening", json=form)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["hard_stops"] == ["uncontrolled hypertension"]
    assert body["cautions"] == ["history of hypertension"]
    assert body["clear"] is False and body["escort_phone"] == "+1 555 0100"

    blocked = await transition(staff.nurse, sid, "infusion")
    assert blocked.status_code == 409
    assert "screening hard stop: uncontrolled hypertension" in blocked.json()["detail"]

    by_nurse = await staff.nurse.post(
        f"/api/sessions/{sid}/screening/override", json={"reason": "BP fine today"}
    )
    assert by_nurse.status_code == 403
    no_reason = await staff.physician.post(f"/api/sessions/{sid}/screening/override", json={})
    assert no_reason.status_code == 422
    reason = "Reviewed: controlled on amlodipine since 3 weeks, 132/84 today"
    done = await staff.physician.post(
        f"/api/sessions/{sid}/screening/override", json={"reason": reason}
    )
    assert done.status_code == 200, done.text
    assert done.json()["clear"] is True and done.json()["override_reason"] == reason
    assert done.json()["override_by"] == str(staff.ids["physician"])

    started = await transition(staff.nurse, sid, "infusion")
    assert started.status_code == 200, started.text
    audit = (await staff.admin.get("/api/audit", params={"action": "session.override"})).json()
    assert any(e["details"].get("reason") == reason for e in audit)
    timeline = (await staff.nurse.get(f"/api/sessions/{sid}/timeline")).json()
    assert [t["type"] for t in timeline if t["type"].startswith("screening.")] == [
        "screening.recorded",
        "screening.overridden",
    ]


async def test_interacting_medicines_and_a_short_fast_are_cautions(staff):
    s = await factories.session(staff.nurse, protocol="spravato", dose_mg=56)
    form = screening() | {
        "medicines": ["benzodiazepines", "opioids"],
        "last_food_at": (datetime.now(UTC) - timedelta(minutes=45)).isoformat(),
    }
    answer = await staff.nurse.post(f"/api/sessions/{s['id']}/screening", json=form)
    assert answer.status_code == 201, answer.text
    assert answer.json()["hard_stops"] == []
    assert answer.json()["cautions"] == [
        "interacting medicines (Spravato's label names): benzodiazepines, opioids",
        "fasted 0.8 h, less than 2 h",
    ]
    assert answer.json()["clear"] is True


async def test_a_half_filled_form_is_refused_in_words(staff):
    s = await factories.session(staff.nurse)
    half = await staff.nurse.post(
        f"/api/sessions/{s['id']}/screening",
        json={"answers": {"pregnancy": False}, **ESCORT},
    )
    assert half.status_code == 422
    assert "Answer every contraindication: uncontrolled_hypertension" in half.text
    phone = await staff.nurse.post(
        f"/api/sessions/{s['id']}/screening",
        json=screening() | {"escort_phone": "call me"},
    )
    assert phone.status_code == 422


async def test_the_screening_is_required_unless_the_clinic_turns_it_off(app, staff):
    """No form: a physician may start anyway, with a reason; a clinic that screens on paper
    turns the requirement off."""
    s = {"id": await unscreened(staff.nurse)}
    blocked = await transition(staff.nurse, s["id"], "infusion")
    assert blocked.status_code == 409
    assert "no screening form has been recorded" in blocked.json()["detail"]
    by_nurse = await transition(staff.nurse, s["id"], "infusion", override=True, reason="paper")
    assert by_nurse.status_code == 403
    no_reason = await transition(staff.physician, s["id"], "infusion", override=True)
    assert no_reason.status_code == 422
    started = await transition(
        staff.physician, s["id"], "infusion", override=True, reason="screened on paper, signed"
    )
    assert started.status_code == 200, started.text
    last = started.json()["phase_history"][-1]
    assert last["override"] is True and last["reason"] == "screened on paper, signed"

    app.state.settings.screening_required = False
    other = await unscreened(staff.nurse)
    assert (await transition(staff.nurse, other, "infusion")).status_code == 200


async def test_the_screening_and_its_override_are_in_the_exports(staff):
    s = await factories.ready_session(staff.nurse)
    sid = s["id"]
    await staff.nurse.post(f"/api/sessions/{sid}/screening", json=screening(pregnancy=True))
    await staff.physician.post(
        f"/api/sessions/{sid}/screening/override", json={"reason": "test negative this morning"}
    )
    events = (await staff.physician.get(f"/api/exports/sessions/{sid}.events.csv")).text
    assert "screening_override" in events and "test negative this morning" in events
    record = (await staff.physician.get(f"/api/exports/sessions/{sid}.json")).json()
    assert record["screening"]["hard_stops"] == ["pregnancy"]
    pdf = (await staff.physician.get(f"/api/exports/sessions/{sid}.pdf")).content
    from tests.record.test_exports import pdf_text

    text = pdf_text(pdf)
    assert "test negative this morning" in text and "Sam Rivera" in text
