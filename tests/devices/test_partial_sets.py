"""Partial sets: a monitor's reading holds what it measured, charted as it is (app/devices/,
app/vitals/plan.py), with the tile's last value per vital and NEWS2 as docs/devices.md says.

The three messages below are public PCD-01 `ORU^R01` samples, as published (segments, fields,
codes and values), found with the reference library's code search (its find_string index; the
index names each file by an id, not by repository and path, so the id is cited). Only what a
test cannot keep is replaced, by `live()`: the samples' timestamps (years old, before any
session) by times inside the session, and an MRN in PID-3 by the session patient's.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Staff
from tests.devices.test_mllp import errs, feed, msa, readings, send, staff_of, stamp
from tests.factories import chair_id, session

pytestmark = pytest.mark.anyio
__all__ = ["feed", "staff_of"]  # fixtures, used by name

# Comen NC-series monitor (MSH-3 "NC_Monitor", no EUI-64): a PHP test sender for a "VS8
# listener", index file id 2706538350. Its pulse is 149522 MDC_PULS_RATE, a code Vigil does not
# chart (docs/devices.md), so its reading holds SpO2, NIBP, RR and temperature but no HR.
COMEN_NC = (
    "MSH|^~\\&|NC_Monitor|KC261551373G|||20250610015127+0800||ORU^R01^ORU_R01"
    "|202506100151270003|P|2.6||||||UNICODE UTF-8\r"
    "PID|||10006||lee|||M||Unknown\r"
    "PV1||I|^^&10|R\r"
    "OBR||||1^MON_PARAM^99COMEN|||20250610015127+0800\r"
    "OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|97|262688^MDC_DIM_PERCENT^MDC"
    "|||||F|||20250610015127+0800\r"
    "OBX||NM|160324^MDC_SPO2_SIGNAL_QUALITY_INDEX^MDC|1.3.1.160324|3.56"
    "|262688^MDC_DIM_PERCENT^MDC|||||F|||20250610015127+0800\r"
    "OBX||NM|149522^MDC_PULS_RATE^MDC|1.0.0.149522|59|264864^MDC_DIM_BEAT_PER_MIN^MDC"
    "|||||F|||20250610015127+0800\r"
    "OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.2.150456|97|262688^MDC_DIM_PERCENT^MDC"
    "|||||F|||20250610015127+0800\r"
    "OBX||NM|150468^MDC_PULS_OXIM_SAT_O2_DIFF^MDC|1.3.2.150468|0|262688^MDC_DIM_PERCENT^MDC"
    "|||||F|||20250610015127+0800\r"
    "OBX||NM|151562^MDC_RESP_RATE^MDC|1.14.1.151562|20|264928^MDC_DIM_RESP_PER_MIN^MDC"
    "|||||F|||20250610015127+0800\r"
    "OBX||NM|150344^MDC_TEMP^MDC|1.2.1.150344|37.0|268192^MDC_DIM_DEGC^MDC"
    "|||||F|||20250610015127+0800\r"
    "OBX||NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|120|266016^MDC_DIM_MMHG^MDC"
    "|||||F|||20250610015127+0800\r"
    "OBX||NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|80|266016^MDC_DIM_MMHG^MDC"
    "|||||F|||20250610015127+0800\r"
    "OBX||NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.1.9.150023|90|266016^MDC_DIM_MMHG^MDC"
    "|||||F|||20250610015127+0800\r"
    "OBX||CNE|2453^COMEN_POS_BODY^99COMEN|1.1.9.2453|2821^COMEN_POS_SITTING^99COMEN"
    "||||||F|||20250610015127+0800\r"
    "OBX||NM|188740^MDC_LEN_BODY_ACTUAL^MDC|1.10.1.188740||263441^MDC_DIM_CENTI_M^MDC"
    "|||||F|||20250610015127+0800\r"
    "OBX||NM|188736^MDC_MASS_BODY_ACTUAL^MDC|1.10.1.188736||263875^MDC_DIM_KILO_G^MDC"
    "|||||F|||20250610015127+0800\r"
)

# GE B40 through GE's VSP gateway (the MDS/VMD hierarchy as value-less OBX-11 X rows, the
# monitor in OBX-18, no OBX-14: OBR-7 is the time): a Netty MLLP simulator's
# ServerChannelHandler.java, index file id 18870737106. SpO2 and pulse, no blood pressure.
GE_B40 = (
    "MSH|^~\\&|VSP^080019FFFE1443EC^EUI-64|GE Healthcare|||20230309143900||ORU^R01^ORU_R01"
    "|0040971443EC|P|2.6|||NE|AL||UNICODE UTF-8|||PCD_DEC_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1"
    "^ISO\r"
    "PID|||3499999^^^PID^MR||КОКОНОВА^ТАМАРА^^^^^L||19680309000000|\r"
    "PV1||E|X^^443EC\r"
    "OBR|1|080019FFFE1443EC20230309143900^VSP^080019FFFE1443EC^EUI-64"
    "|080019FFFE1443EC20230309143900^VSP^080019FFFE1443EC^EUI-64"
    "|182777000^monitoring of patient^SCT|||20230309143900\r"
    "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X\r"
    "OBX|2||69798^MDC_DEV_ECG_VMD^MDC|1.5.0.0|||||||X\r"
    "OBX|3|NM|147842^MDC_ECG_HEART_RATE^MDC|1.5.1.1|68|264864^MDC_DIM_BEAT_PER_MIN^MDC"
    "|||||R|||||||080019FFFE1443EC^B40_GE\r"
    "OBX|4||69766^MDC_DEV_GEN_CONC_AWAY_VMD^MDC|1.11.0.0|||||||X\r"
    "OBX|5|NM|151712^MDC_CONC_AWAY_CO2_EXP^MDC|1.11.1.1|1|266016^MDC_DIM_MMHG^MDC"
    "|||||R|||||||080019FFFE1443EC^B40_GE\r"
    "OBX|6|NM|151716^MDC_CONC_AWAY_CO2_INSP^MDC|1.11.1.2|1|266016^MDC_DIM_MMHG^MDC"
    "|||||R|||||||080019FFFE1443EC^B40_GE\r"
    "OBX|7||69642^MDC_DEV_ANALY_SAT_O2_VMD^MDC|1.22.0.0|||||||X\r"
    "OBX|8|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.22.1.1|67|264864^MDC_DIM_BEAT_PER_MIN^MDC"
    "|||||R|||||||080019FFFE1443EC^B40_GE\r"
    "OBX|9|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.22.1.2|97|262688^MDC_DIM_PERCENT^MDC"
    "|||||R|||||||080019FFFE1443EC^B40_GE\r"
)

# Mindray VS-900 (EUI-64 00A0370098007A80, empty PID-3: the chair decides): a HAPI parsing
# example in a Markdown note, index file id 39278090492. SpO2 and pulse rate at one time, the
# cuff's last NIBP cycle (Mindray's 150301/150302/150303) at an earlier one, an axillary
# temperature (188496, not charted).
MINDRAY_VS900 = (
    "MSH|^~\\&|MINDRAY_VS900^00A0370098007A80^EUI-64||||20191206113452||ORU^R01^ORU_R01|1914|P"
    "|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO\r"
    "PID|||^^^Hospital^PI||^^^^^^L\r"
    "PV1||I||||||||||||||||||||||||||||||||||||||||||20191201\r"
    "OBR|1|1914^MINDRAY_VS900^00A0370098007A80^EUI-64|1914^MINDRAY_VS900^00A0370098007A80^EUI-64"
    "|182777000^monitoring of patient^SCT|||20191206113452\r"
    "OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|99|262688^MDC_DIM_PERCENT^MDC"
    "|||||R|||20191206113452||||00A0370098007A80^^00A0370098007A80^EUI-64\r"
    "OBX|2|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.3.1.149530|94|264864^MDC_DIM_BEAT_PER_MIN^MDC"
    "|||||R|||20191206113452\r"
    "OBX|3|NM|150488^MDC_BLD_PERF_INDEX^MDC|1.3.1.150488|0.94|262688^MDC_DIM_PERCENT^MDC"
    "|||||R|||20191206113452\r"
    "OBX|4|NM|150301^MDC_PRESS_CUFF_SYS^MDC|1.1.9.150301|147|266016^MDC_DIM_MMHG^MDC"
    "|||||R|||20191206111016|||^APERIODIC\r"
    "OBX|5|NM|150303^MDC_PRESS_CUFF_MEAN^MDC|1.1.9.150303|109|266016^MDC_DIM_MMHG^MDC"
    "|||||R|||20191206111016|||^APERIODIC\r"
    "OBX|6|NM|150302^MDC_PRESS_CUFF_DIA^MDC|1.1.9.150302|90|266016^MDC_DIM_MMHG^MDC"
    "|||||R|||20191206111016|||^APERIODIC\r"
    "OBX|7|NM|188496^MDC_TEMP_AXIL^MDC|1.2.5.188496|35.1|268192^MDC_DIM_DEGC^MDC"
    "|||||R|||20191206113415|||^APERIODIC"
)


def live(text: str, times: dict[str, datetime], *, mrn: tuple[str, str] | None = None) -> str:
    """The sample with its timestamps moved into the session (and its MRN the patient's)."""
    for old, new in times.items():
        text = text.replace(old, stamp(new))
    if mrn is not None:
        text = text.replace(f"PID|||{mrn[0]}", f"PID|||{mrn[1]}")
    return text


async def send_ge(port: int, staff: Staff, s: dict[str, Any], *, spo2: int = 97) -> Any:
    """The GE sample from the session's patient, taken 10 s ago with its SpO2 as given,
    accepted: the one reading the session then has."""
    at = datetime.now(UTC) - timedelta(seconds=10)
    text = live(GE_B40, {"20230309143900": at}, mrn=("3499999", s["patient"]["mrn"]))
    [answer] = await send(port, text.replace("|97|262688", f"|{spo2}|262688"))
    assert msa(answer)[1] == "AA", answer
    [b40] = await readings(staff, s["id"])
    return b40


async def tile(staff: Staff, session_id: str) -> dict[str, Any]:
    answer = await staff.nurse.get(f"/api/sessions/{session_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_partial_sets_are_charted_with_the_last_value_of_each_vital(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    s = await session(staff_of.nurse)
    mrn = s["patient"]["mrn"]
    now = datetime.now(UTC)
    comen_at, ge_at = now - timedelta(minutes=1, seconds=30), now - timedelta(seconds=20)
    comen = live(COMEN_NC, {"20250610015127+0800": comen_at}, mrn=("10006", mrn))
    ge = live(GE_B40, {"20230309143900": ge_at}, mrn=("3499999", mrn))
    [first] = await send(port, comen)
    assert msa(first)[1] == "AA" and not any("held" in e for e in errs(first)), first
    [second] = await send(port, ge)
    assert msa(second)[1] == "AA" and not any("held" in e for e in errs(second)), second

    by_device = {r["device_id"]: r for r in await readings(staff_of, s["id"])}
    nc, b40 = by_device["NC_Monitor"], by_device["080019FFFE1443EC"]
    # Comen's pulse (149522) is not a code Vigil charts: its reading has no heart rate.
    assert (nc["heart_rate"], nc["systolic"], nc["diastolic"], nc["spo2"]) == (None, 120, 80, 97)
    assert (nc["respiratory_rate"], nc["temperature_c"], nc["source"]) == (20, 37.0, "device")
    # GE: the ECG heart rate wins over the pleth pulse (67); no blood pressure.
    assert (b40["heart_rate"], b40["spo2"], b40["systolic"], b40["diastolic"]) == (
        68,
        97,
        None,
        None,
    )

    detail = await tile(staff_of, s["id"])
    assert detail["latest_reading"]["id"] == b40["id"]
    last = {v["field"]: v for v in detail["last_values"]}
    assert (last["heart_rate"]["value"], last["heart_rate"]["reading_id"]) == (68, b40["id"])
    # The blood pressure is the Comen's, with its own time: the tile says how old it is.
    assert (last["systolic"]["value"], last["systolic"]["reading_id"]) == (120, nc["id"])
    assert datetime.fromisoformat(last["systolic"]["taken_at"]) == comen_at.replace(microsecond=0)
    assert last["respiratory_rate"]["value"] == 20
    # NEWS2 on the GE reading takes the SBP of 90 s before, and says it is partial.
    news2 = detail["news2"]
    assert news2["carried"] == ["systolic"] and news2["partial"] is True
    assert news2["components"]["systolic"] == 0 and news2["components"]["heart_rate"] == 0


async def test_a_partial_set_raises_its_alert_at_once(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    s = await session(staff_of.nurse)
    await send_ge(port, staff_of, s, spo2=88)
    alerts = (await staff_of.nurse.get(f"/api/alerts?session_id={s['id']}&state=open")).json()
    spo2 = [a for a in alerts if a["rule"] == "spo2_low"]
    assert [a["priority"] for a in spo2] == ["high"], alerts
    # No blood pressure in it or in the 10 minutes before: NEWS2 is not scored, not guessed.
    assert not [a for a in alerts if a["rule"] in ("news2", "sbp_high", "sbp_low")]
    assert (await tile(staff_of, s["id"]))["news2"] is None


async def test_a_chair_monitors_two_observation_times_are_two_readings(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    chair = await chair_id(staff_of.nurse, "Chair 2")
    bound = await staff_of.admin.put(
        "/api/devices/00A0370098007A80",
        json={"id": "00A0370098007A80", "label": "VS-900", "chair_id": chair},
    )
    assert bound.status_code == 200, bound.text
    s = await session(staff_of.nurse, location="Chair 2")
    now = datetime.now(UTC)
    times = {
        "20191206113452": now - timedelta(seconds=15),
        "20191206111016": now - timedelta(seconds=75),  # the cuff's cycle, a minute earlier
        "20191206113415": now - timedelta(seconds=40),
        "20191201": now,  # PV1-44, the admit date: not read
    }
    [answer] = await send(port, live(MINDRAY_VS900, times))
    assert msa(answer)[1] == "AA", answer
    rows = sorted(await readings(staff_of, s["id"]), key=lambda r: r["taken_at"])
    shapes = [(r["heart_rate"], r["systolic"], r["diastolic"], r["spo2"]) for r in rows]
    assert shapes == [(None, 147, 90, None), (94, None, None, 99)]
    detail = await tile(staff_of, s["id"])
    assert detail["news2"]["carried"] == ["systolic"]
    last = {v["field"]: v["value"] for v in detail["last_values"]}
    assert last == {"heart_rate": 94, "systolic": 147, "diastolic": 90, "spo2": 99}


async def test_a_partial_set_cannot_be_chosen_as_the_baseline(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    s = await session(staff_of.nurse)
    b40 = await send_ge(port, staff_of, s)
    # The tablet offers "Use as baseline…" only for a complete set.
    assert b40["complete"] is False and b40["phase"] == "pre_infusion"
    chosen = await staff_of.nurse.post(
        f"/api/sessions/{s['id']}/readings/{b40['id']}/baseline",
        json={"reason": "the monitor's reading"},
    )
    assert chosen.status_code == 409, chosen.text
    assert chosen.json()["detail"] == (
        "This reading has no SBP, DBP: the baseline must be a complete set."
    )
    assert (await tile(staff_of, s["id"]))["baseline"] is None


async def test_a_correction_cannot_leave_a_monitor_reading_with_no_vital_sign(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    s = await session(staff_of.nurse)
    b40 = await send_ge(port, staff_of, s)
    # A monitor reading may lack any vital but not all of them: the tile's latest reading and
    # each vital's last value are drawn from the same readings.
    emptied = await staff_of.nurse.post(
        f"/api/sessions/{s['id']}/readings/{b40['id']}/amend",
        json={"reason": "probe was off", "heart_rate": None, "spo2": None},
    )
    assert emptied.status_code == 422, emptied.text
    assert emptied.json()["detail"][0]["msg"] == "The reading has no vital sign."
    assert [r["id"] for r in await readings(staff_of, s["id"])] == [b40["id"]]
    # Removing one of its two is a correction like any other.
    kept = await staff_of.nurse.post(
        f"/api/sessions/{s['id']}/readings/{b40['id']}/amend",
        json={"reason": "probe was off", "spo2": None},
    )
    assert kept.status_code == 201, kept.text
    last = {v["field"]: v["value"] for v in (await tile(staff_of, s["id"]))["last_values"]}
    assert last == {"heart_rate": 68}
