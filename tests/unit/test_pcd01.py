"""PCD-01 messages in the shapes real monitors send, read into readings (app/devices/pcd01.py).

Each sample keeps the segment and field layout of a public message; patient names and ids in
them are the samples' own fictitious ones.
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.devices.pcd01 import AckError, Refused, ack, read_message


def msg(*segments: str) -> str:
    return "\r".join(segments) + "\r"


# IHE PCD Technical Framework Vol. 2, PCD-01 example of a blood-pressure monitor
# (AcmeInc, EUI-64 ACDE48234567ABCD in MSH-3 and OBR-2/3; OBX-11 R; OBX-14 with an offset).
IHE_BPM = msg(
    "MSH|^~\\&|AcmeInc^ACDE48234567ABCD^EUI-64||||20090713090030+0000||ORU^R01^ORU_R01"
    "|MSGID1234|P|2.6|||NE|AL|||||IHE PCD ORU-R01 2006^HL7^2.16.840.1.113883.9.n.m^HL7",
    "PID|||789567^^^Imaginary Hospital^PI||Doe^John^Joseph^^^^L^A|||M",
    "OBR|1|AB12345^AcmeAHDInc^ACDE48234567ABCD^EUI-64|CD12345^AcmeAHDInc^ACDE48234567ABCD^EUI-64"
    "|528391^MDC_DEV_SPEC_PROFILE_BPM^MDC|||20090813095715+0000",
    "OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.1.1|120|266016^MDC_DIM_MMHG^MDC"
    "|||||R|||20090813095715+0000",
    "OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.0.1.2|80|266016^MDC_DIM_MMHG^MDC"
    "|||||R|||20090813095715+0000",
    "OBX|3|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.0.1.3|100|266016^MDC_DIM_MMHG^MDC"
    "|||||R|||20090813095715+0000",
)

# GE CARESCAPE/B1x5 through its VSP gateway: MSH-3 VSP^<EUI-64>^EUI-64, the MDS/VMD/channel
# hierarchy as value-less OBX rows (OBX-11 X), the monitor in OBX-18, no OBX-14 (OBR-7 is the
# time). Public sample set "SampleHL7Messages" (Go, GetSpO2Message / GetCO2Message, GE
# Healthcare format), found through the code search of this project's reference library.
GE_SPO2 = msg(
    "MSH|^~\\&|VSP^080019FFFE134535^EUI-64|GE Healthcare|||20250301101500+0900||ORU^R01^ORU_R01"
    "|080019FFFE13453520250301101500|P|2.6|||NE|AL||UNICODE UTF-8|||PCD_DEC_001^IHE PCD"
    "^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
    "PID|||HED12^^^PID^MR||LAZY^KITTY^^^^^L|||",
    "PV1||E|ICU^^79874",
    "OBR|1|080019FFFE13453520250301101500^VSP^080019FFFE134535^EUI-64|080019FFFE13453520250301"
    "101500^VSP^080019FFFE134535^EUI-64|182777000^monitoring of patient^SCT|||20250301101500+0900",
    "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X",
    "OBX|2||69798^MDC_DEV_PULS_OXIM_VMD^MDC|1.6.0.0|||||||X",
    "OBX|3||69799^MDC_DEV_PULS_OXIM_CHAN^MDC|1.6.1.0|||||||X",
    "OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.6.1.1|98|262688^MDC_DIM_PERCENT^MDC|||||R"
    "|||||||080019FFFE134535^B1X5_GE",
    "OBX|5|NM|150457^MDC_PULS_OXIM_PULS_RATE^MDC|1.6.1.2|76|264864^MDC_DIM_BEAT_PER_MIN^MDC"
    "|||||R|||||||080019FFFE134535^B1X5_GE",
)
GE_CO2 = msg(
    "MSH|^~\\&|VSP^080019FFFE134535^EUI-64|GE Healthcare|||20250301101505+0900||ORU^R01^ORU_R01"
    "|080019FFFE13453520250301101505|P|2.6|||NE|AL",
    "PID|||HED12^^^PID^MR||LAZY^KITTY^^^^^L|||",
    "OBR|1|||182777000^monitoring of patient^SCT|||20250301101505+0900",
    "OBX|1|NM|150456^MDC_CO2_ET^MDC|1.7.1.1|35|266016^MDC_DIM_MMHG^MDC|||||R"
    "|||||||080019FFFE134535^B1X5_GE",
)

# Comen NC-series monitor (vendor codes 99COMEN beside MDC ones, two SpO2 channels, NIBP as
# 150021-150023, times in local time with an offset). Public sample "Simple HL7 message
# sender for testing" (PHP, sending to a VS8 listener), found through the same code search.
COMEN = msg(
    "MSH|^~\\&|NC_Monitor|KC261551373G|||20250610015127+0800||ORU^R01^ORU_R01"
    "|202506100151270003|P|2.6||||||UNICODE UTF-8",
    "PID|||10006||lee|||M||Unknown",
    "PV1||I|^^&10|R",
    "OBR||||1^MON_PARAM^99COMEN|||20250610015127+0800",
    "OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|97|262688^MDC_DIM_PERCENT^MDC"
    "|||||F|||20250610015127+0800",
    "OBX||NM|149522^MDC_PULS_RATE^MDC|1.0.0.149522|59|264864^MDC_DIM_BEAT_PER_MIN^MDC"
    "|||||F|||20250610015127+0800",
    "OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.2.150456|95|262688^MDC_DIM_PERCENT^MDC"
    "|||||F|||20250610015127+0800",
    "OBX||NM|151562^MDC_RESP_RATE^MDC|1.14.1.151562|20|264928^MDC_DIM_RESP_PER_MIN^MDC"
    "|||||F|||20250610015127+0800",
    "OBX||NM|150344^MDC_TEMP^MDC|1.2.1.150344|37.0|268192^MDC_DIM_DEGC^MDC"
    "|||||F|||20250610015127+0800",
    "OBX||NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|120|266016^MDC_DIM_MMHG^MDC"
    "|||||F|||20250610015127+0800",
    "OBX||NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|80|266016^MDC_DIM_MMHG^MDC"
    "|||||F|||20250610015127+0800",
    "OBX||NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.1.9.150023|90|266016^MDC_DIM_MMHG^MDC"
    "|||||F|||20250610015127+0800",
    "OBX||CNE|2453^COMEN_POS_BODY^99COMEN|1.1.9.2453|2821^COMEN_POS_SITTING^99COMEN"
    "||||||F|||20250610015127+0800",
)

# Mindray-style bedside monitor (cuff codes 150301-150303, -100 for "no measurement", NIBP with
# its own time after APERIODIC in OBX-13, no offsets). Public sample in a comment of a Flutter
# (Dart) health-kiosk app that reads such a monitor over a socket, found through the same code
# search; one temperature there is 384.5, kept here.
MINDRAY = msg(
    "MSH|^~\\&|northern|patient monitor^|||20250612090838||ORU^R01^ORU_R01|1362|P|2.6|",
    "PID|||0001||expert^vs||00000000|M|",
    "PV1||I|^^",
    "OBR|1||||||20250612090838|",
    "OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|-100|262688^MDC_DIM_PERCENT^MDC"
    "|||||F||||",
    "OBX|2|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.3.1.149530|-100|264864^MDC_DIM_BEAT_PER_MIN"
    "^MDC|||||F||||",
    "OBX|3|NM|150344^MDC_TEMP^MDC|1.2.1.150344|38.5|268192^MDC_DIM_DEGC^MDC|||||F||||",
    "OBX|4|NM|150344^MDC_TEMP^MDC|1.2.2.150344|384.5|268192^MDC_DIM_DEGC^MDC|||||F||||",
    "OBX|5|NM|150301^MDC_PRESS_CUFF_SYS^MDC|1.1.9.150301|142|266016^MDC_DIM_MMHG^MDC"
    "|||||F||APERIODIC|20250612093319|",
    "OBX|6|NM|150303^MDC_PRESS_CUFF_MEAN^MDC|1.1.9.150303|114|266016^MDC_DIM_MMHG^MDC"
    "|||||F||APERIODIC|20250612093319|",
    "OBX|7|NM|150302^MDC_PRESS_CUFF_DIA^MDC|1.1.9.150302|100|266016^MDC_DIM_MMHG^MDC"
    "|||||F||APERIODIC|20250612093319|",
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_ihe_blood_pressure_monitor() -> None:
    m = read_message(IHE_BPM)
    assert (m.control_id, m.device_id, m.mrn) == ("MSGID1234", "ACDE48234567ABCD", "789567")
    [reading] = m.readings
    assert reading.taken_at == at("2009-08-13T09:57:15+00:00")  # OBX-14, not MSH-7
    assert reading.values == {"systolic": 120, "diastolic": 80, "mean_pressure": 100}
    assert m.skipped == []


def test_ge_hierarchy_rows_are_structure_and_the_monitor_is_obx_18() -> None:
    m = read_message(GE_SPO2)
    assert m.device_id == "080019FFFE134535"
    assert m.mrn == "HED12"
    [reading] = m.readings
    # No OBX-14: OBR-7, in its own offset.
    assert reading.taken_at == at("2025-03-01T10:15:00+09:00")
    # 150457 is not the MDC pulse rate (149530): not charted, and not mistaken for it.
    assert reading.values == {"spo2": 98}
    assert m.skipped == []


def test_code_and_name_must_agree() -> None:
    m = read_message(GE_CO2)
    assert m.readings == []
    [skip] = m.skipped
    assert (skip.obx, skip.code) == (1, "150456")
    assert "MDC_PULS_OXIM_SAT_O2, not MDC_CO2_ET" in skip.reason


def test_comen_first_channel_wins_and_offsets_become_utc() -> None:
    m = read_message(COMEN)
    assert (m.device_id, m.mrn) == ("NC_Monitor", "10006")
    [reading] = m.readings
    assert reading.taken_at == datetime(2025, 6, 9, 17, 51, 27, tzinfo=UTC)
    assert reading.values == {
        "spo2": 97,
        "respiratory_rate": 20,
        "temperature_c": 37.0,
        "systolic": 120,
        "diastolic": 80,
        "mean_pressure": 90,
    }


def test_mindray_sentinels_ranges_and_a_separate_nibp_time() -> None:
    clinic = timezone(timedelta(hours=7))
    m = read_message(MINDRAY, clinic)
    by_time = {r.taken_at: r.values for r in m.readings}
    assert by_time == {
        # No offset anywhere: the clinic's clock.
        datetime(2025, 6, 12, 9, 8, 38, tzinfo=clinic): {"temperature_c": 38.5},
        datetime(2025, 6, 12, 9, 33, 19, tzinfo=clinic): {
            "systolic": 142,
            "diastolic": 100,
            "mean_pressure": 114,
        },
    }
    reasons = {s.obx: s.reason for s in m.skipped}
    assert reasons == {
        1: "-100 means no measurement",
        2: "-100 means no measurement",
        4: "384.5 is outside 25-45",
    }


@pytest.mark.parametrize(
    ("value", "flags", "status", "reason"),
    [
        ("97", "", "X", "result status X carries no value"),
        ("97", "", "D", "result status D carries no value"),
        ("97", "", "W", "result status W carries no value"),
        ("97", "DEMO", "R", "demonstration or test data, not the patient's"),
        ("97", "N~demo-data", "F", "demonstration or test data, not the patient's"),
        ("-999", "", "F", "-999 means no measurement"),
        ("NaN", "", "F", "no numeric value"),
    ],
)
def test_values_not_charted(value: str, flags: str, status: str, reason: str) -> None:
    text = msg(
        "MSH|^~\\&|MON^0011223344556677^EUI-64||||20251201100000+0000||ORU^R01|M1|P|2.6",
        f"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1|{value}|262688^MDC_DIM_PERCENT^MDC"
        f"||{flags}|||{status}|||20251201100000+0000",
    )
    m = read_message(text)
    assert m.readings == []
    assert [s.reason for s in m.skipped] == [reason]


def test_final_and_unverified_results_are_charted_and_ecg_beats_pulse() -> None:
    text = msg(
        "MSH|^~\\&|MON^0011223344556677^EUI-64||||20251201100000+0000||ORU^R01|M2|P|2.6",
        "OBX|1|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1|81|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
        "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|2|78|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F",
        "OBX|3|NM|150344^MDC_TEMP^MDC|3|98.6|266560^MDC_DIM_FAHR^MDC|||||F",
    )
    [reading] = read_message(text).readings
    assert reading.values["heart_rate"] == 78
    assert reading.values["temperature_c"] == pytest.approx(37.0)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("hello", "100"),
        ("MSH|^~\\&|MON||||20251201||ORU^R01||P|2.6\r", "101"),
        ("MSH|^~\\&|MON||||20251201||ADT^A01|X1|P|2.6\r", "200"),
    ],
)
def test_refused(text: str, code: str) -> None:
    with pytest.raises(Refused) as caught:
        read_message(text)
    assert caught.value.code == code


def test_ack_with_errors_escapes_text() -> None:
    text = ack(
        code="AE",
        control_id="M|1",
        ack_id="A1",
        receiving_app="MON^0011^EUI-64",
        receiving_facility="",
        now=datetime(2025, 12, 1, 10, 0, tzinfo=UTC),
        errors=[AckError("207", "nothing chartable: 1^2", location="OBX^1^5")],
    )
    segments = text.rstrip("\r").split("\r")
    assert segments[0].startswith("MSH|^~\\&|VIGIL|VIGIL|MON^0011^EUI-64||20251201100000+0000")
    assert segments[1] == "MSA|AE|M\\F\\1"
    assert segments[2] == (
        "ERR||OBX^1^5|207^Application internal error^HL70357|E||||nothing chartable: 1\\S\\2"
    )
