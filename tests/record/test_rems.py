"""The SPRAVATO REMS Patient Monitoring Form, pre-filled from the session, and the 7-day tracker."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from app.screening.rules import HARD_STOPS
from tests import factories
from tests.api.test_sessions import ALDRETE_OK
from tests.conftest import bearer_client, create_user
from tests.factories import CHECKLIST, transition
from tests.record.support import minutes_pass

pytestmark = pytest.mark.anyio


async def spravato_day(app, staff) -> str:
    """84 mg, BP 128/80 before, 142/88 at 40 min, 124/78 before leaving, 2 h 5 min in all;
    the patient takes a benzodiazepine; dissociation (CADSS-6) at 40 min."""
    await factories.edit_protocol(
        staff.admin, "spravato", infusion_check_seconds=7200, recovery_check_seconds=7200
    )
    p = await factories.patient(staff.nurse, full_name="Jordan Lee", date_of_birth="1979-05-14")
    s = await factories.session(staff.nurse, patient_id=p["id"], protocol="spravato", dose_mg=84)
    sid = s["id"]
    await staff.nurse.patch(f"/api/sessions/{sid}/checklist", json=CHECKLIST)
    await staff.nurse.post(
        f"/api/sessions/{sid}/screening",
        json={
            "answers": dict.fromkeys(HARD_STOPS, False),
            "medicines": ["benzodiazepines"],
            "escort_name": "Riley Lee",
            "escort_phone": "555 0199",
        },
    )
    await factories.put_reading(staff.nurse, sid, systolic=128, diastolic=80)
    await transition(staff.nurse, sid, "infusion")
    await minutes_pass(app, sid, 40)
    await factories.put_reading(staff.nurse, sid, systolic=142, diastolic=88)
    await staff.nurse.post(
        f"/api/sessions/{sid}/assessments",
        json={
            "scale": "cadss6",
            "items": dict.fromkeys(
                [
                    "slow_motion",
                    "unreal",
                    "separated",
                    "outside_body",
                    "observer",
                    "disconnected_body",
                ],
                1,
            ),
        },
    )
    await transition(staff.nurse, sid, "recovery")
    await minutes_pass(app, sid, 85)
    await factories.put_reading(staff.nurse, sid, systolic=124, diastolic=78)
    done = await transition(
        staff.nurse, sid, "discharged", aldrete=ALDRETE_OK, ready_to_leave_minutes=95
    )
    assert done.status_code == 200, done.text
    assert done.json()["ready_to_leave_minutes"] == 95
    return sid


async def test_rems_form_is_prefilled_from_the_session(app, staff, tmp_path):
    sid = await spravato_day(app, staff)
    answer = await staff.physician.get(f"/api/rems/sessions/{sid}.pdf")
    assert answer.status_code == 200, answer.text
    (tmp_path / "rems.pdf").write_bytes(answer.content)
    reader = PdfReader(io.BytesIO(answer.content))
    fields = {name: f.get("/V") for name, f in reader.get_fields().items()}
    assert fields["patient_first_name"] == "Jordan" and fields["patient_last_name"] == "Lee"
    assert fields["patient_birthdate"] == "05/14/1979"
    assert fields["dose"] == "84 mg (3 devices)"
    assert fields["bp_prior"] == "128/80"
    assert fields["bp_40"] == "142/88"
    assert fields["bp_completion"] == "124/78"
    assert fields["total_minutes"] == "125"
    assert fields["med_benzodiazepines_yes"] == "/Yes" and fields["med_maois_no"] == "/Yes"
    assert fields["dissociation_yes"] == "/Yes" and fields["sedation_no"] == "/Yes"
    assert fields["respiratory_depression_no"] == "/Yes"
    assert fields["vitals_ok_completion_yes"] == "/Yes"
    assert fields["ready_minutes"] == "95"
    # What Vigil does not record is left for staff to fill in, never guessed.
    assert fields["lot"] in ("", None) and fields["provider_phone"] in ("", None)
    text = reader.pages[0].extract_text()
    assert "SPRAVATO® REMS Patient Monitoring Form" in text and "submit by" in text


async def test_due_within_seven_days_tracker(app, staff):
    sid = await spravato_day(app, staff)
    iv = await factories.infusing_session(staff.nurse)
    assert (await staff.nurse.get("/api/rems/due")).status_code == 403
    due = (await staff.admin.get("/api/rems/due")).json()
    assert [d["session_id"] for d in due] == [sid]
    (item,) = due
    assert item["submitted_at"] is None and item["overdue"] is False
    discharged = datetime.fromisoformat(item["discharged_at"])
    assert datetime.fromisoformat(item["due_at"]) - discharged == timedelta(days=7)
    sent = await staff.admin.post(f"/api/rems/sessions/{sid}/submitted", json={"reference": "fax"})
    assert sent.status_code == 200, sent.text
    assert sent.json()["submitted_at"] is not None
    # Who marked it, by name, and the reference they gave: what the tracker shows.
    assert sent.json()["submitted_by"] == "Admin" and sent.json()["reference"] == "fax"
    again = await staff.admin.post(f"/api/rems/sessions/{sid}/submitted", json={})
    assert again.status_code == 409
    not_spravato = await staff.physician.get(f"/api/rems/sessions/{iv['id']}.pdf")
    assert not_spravato.status_code == 409
    assert datetime.now(UTC) < datetime.fromisoformat(item["due_at"])


async def test_the_form_keeps_to_the_users_sites(app, staff, password_hash):
    sid = await spravato_day(app, staff)
    main_id = (await staff.admin.get("/api/sites")).json()[0]["id"]
    elsewhere = await create_user(app, "dr-north", "physician", password_hash)
    left = await staff.admin.delete(f"/api/sites/{main_id}/members/{elsewhere}")
    assert left.status_code == 204, left.text
    other = await bearer_client(app, elsewhere)
    try:
        # Another site's session is as if it did not exist, for the form as for every export.
        hidden = await other.get(f"/api/rems/sessions/{sid}.pdf")
        assert hidden.status_code == 404
        assert hidden.json()["detail"] == "No infusion session with that id."
    finally:
        await other.aclose()
    assert (await staff.physician.get(f"/api/rems/sessions/{sid}.pdf")).status_code == 200
