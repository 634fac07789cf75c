"""Side effects, rescue medicines and the dissociation/sedation scales as structured data."""

from datetime import UTC, datetime, timedelta

import pytest

from app.clinical.scales import CADSS6_ITEMS
from tests import factories
from tests.record.support import minutes_pass

pytestmark = pytest.mark.anyio


def minutes_ago(m: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=m)).isoformat()


async def nausea_treated(app, staff) -> tuple[str, dict, dict]:
    """The clinic day: nausea 20 min into the infusion, ondansetron 4 mg IV, resolved."""
    s = await factories.infusing_session(staff.nurse)
    sid = s["id"]
    await minutes_pass(app, sid, 40)
    nausea = await staff.nurse.post(
        f"/api/sessions/{sid}/side-effects",
        json={
            "kind": "nausea",
            "severity": "moderate",
            "onset_at": minutes_ago(20),
            "intervention": "ondansetron 4 mg IV",
        },
    )
    assert nausea.status_code == 201, nausea.text
    effect = nausea.json()
    assert effect["outcome"] == "ongoing"
    prn = await staff.nurse.post(
        f"/api/sessions/{sid}/prn",
        json={
            "drug": "ondansetron",
            "dose": 4,
            "unit": "mg",
            "route": "IV",
            "given_at": minutes_ago(18),
            "indication": "nausea",
            "side_effect_id": effect["id"],
        },
    )
    assert prn.status_code == 201, prn.text
    resolved = await staff.nurse.post(
        f"/api/sessions/{sid}/side-effects/{effect['id']}/outcomes",
        json={"outcome": "resolved_with_intervention", "at": minutes_ago(5)},
    )
    assert resolved.status_code == 201, resolved.text
    return sid, resolved.json(), prn.json()


async def test_nausea_ondansetron_resolved(app, staff):
    sid, effect, prn = await nausea_treated(app, staff)
    assert effect["outcome"] == "resolved_with_intervention"
    assert [o["outcome"] for o in effect["outcomes"]] == ["resolved_with_intervention"]
    record = (await staff.nurse.get(f"/api/sessions/{sid}/clinical")).json()
    assert record["side_effects"][0]["kind"] == "nausea"
    assert record["prn"][0] | {"id": None, "by": None, "given_at": None} == prn | {
        "id": None,
        "by": None,
        "given_at": None,
    }
    assert record["prn"][0]["side_effect_id"] == effect["id"]
    timeline = (await staff.nurse.get(f"/api/sessions/{sid}/timeline")).json()
    assert [t["type"] for t in timeline if t["type"].startswith("clinical.")] == [
        "clinical.side_effect",
        "clinical.prn",
        "clinical.side_effect",
    ]


async def test_cadss6_and_sedation_trend(app, staff):
    s = await factories.infusing_session(staff.nurse)
    sid = s["id"]
    await minutes_pass(app, sid, 60)
    for minutes, level, moass in ((50, 1, 5), (30, 3, 4), (10, 0, 5)):
        cadss = await staff.nurse.post(
            f"/api/sessions/{sid}/assessments",
            json={
                "scale": "cadss6",
                "items": dict.fromkeys(CADSS6_ITEMS, level),
                "taken_at": minutes_ago(minutes),
            },
        )
        assert cadss.status_code == 201, cadss.text
        sed = await staff.nurse.post(
            f"/api/sessions/{sid}/assessments",
            json={"scale": "moass", "score": moass, "taken_at": minutes_ago(minutes)},
        )
        assert sed.status_code == 201, sed.text
    record = (await staff.nurse.get(f"/api/sessions/{sid}/clinical")).json()
    assert [p["score"] for p in record["trends"]["cadss6"]] == [6, 18, 0]
    assert [p["score"] for p in record["trends"]["moass"]] == [5, 4, 5]
    assert (
        record["assessments"][1]["label"]
        == "MOASS 5: responds readily to name spoken in normal tone"
    )


async def test_bad_entries_get_plain_words(staff):
    s = await factories.infusing_session(staff.nurse)
    sid = s["id"]
    half = await staff.nurse.post(
        f"/api/sessions/{sid}/assessments", json={"scale": "cadss6", "items": {"unreal": 2}}
    )
    assert half.status_code == 422 and "CADSS-6 needs all six items" in half.text
    future = await staff.nurse.post(
        f"/api/sessions/{sid}/prn",
        json={
            "drug": "midazolam",
            "dose": 1,
            "unit": "mg",
            "route": "IV",
            "indication": "anxiety",
            "given_at": (datetime.now(UTC) + timedelta(minutes=30)).isoformat(),
        },
    )
    assert future.status_code == 422 and "in the future" in future.text
    other = await factories.infusing_session(staff.nurse)
    effect = await staff.nurse.post(
        f"/api/sessions/{other['id']}/side-effects", json={"kind": "anxiety", "severity": "mild"}
    )
    wrong = await staff.nurse.post(
        f"/api/sessions/{sid}/side-effects/{effect.json()['id']}/outcomes",
        json={"outcome": "resolved"},
    )
    assert wrong.status_code == 404
