"""The MLLP listener over a real socket, started by the app's lifespan (app/devices/)."""

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.config import Settings
from app.main import create_app
from tests.conftest import Staff, bearer_client, create_user
from tests.factories import chair_id, session

pytestmark = pytest.mark.anyio

VT, END = b"\x0b", b"\x1c\r"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")


def oru(
    control_id: str,
    *,
    mrn: str | None = None,
    device: str = "0011223344556677",
    spo2: str = "97",
    at: datetime | None = None,
) -> str:
    when = stamp(at or datetime.now(UTC) - timedelta(seconds=5))
    pid = [f"PID|||{mrn}^^^Clinic^MR||DOE^JANE"] if mrn else []
    obx = [
        ("147842^MDC_ECG_HEART_RATE", "72", "264864^MDC_DIM_BEAT_PER_MIN"),
        ("150021^MDC_PRESS_BLD_NONINV_SYS", "124", "266016^MDC_DIM_MMHG"),
        ("150022^MDC_PRESS_BLD_NONINV_DIA", "78", "266016^MDC_DIM_MMHG"),
        ("150456^MDC_PULS_OXIM_SAT_O2", spo2, "262688^MDC_DIM_PERCENT"),
    ]
    return (
        "\r".join(
            [
                f"MSH|^~\\&|SIM^{device}^EUI-64|CLINIC|||{when}||ORU^R01^ORU_R01|{control_id}|P|2.6",
                *pid,
                f"OBR|1|||182777000^monitoring of patient^SCT|||{when}",
                *(
                    f"OBX|{i}|NM|{code}^MDC|1.0.{i}|{value}|{unit}^MDC|||||R|||{when}|||||{device}"
                    for i, (code, value, unit) in enumerate(obx, start=1)
                ),
            ]
        )
        + "\r"
    )


async def send(port: int, *messages: str, raw: bytes = b"") -> list[str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        answers = []
        for text in messages:
            writer.write(VT + text.encode() + END)
            await writer.drain()
            frame = await asyncio.wait_for(reader.readuntil(END), 10)
            answers.append(frame[1:-2].decode())
        return answers
    finally:
        writer.close()


def msa(ack: str) -> list[str]:
    segment = next(s for s in ack.split("\r") if s.startswith("MSA|"))
    return segment.split("|")


def errs(ack: str) -> list[str]:
    return [s for s in ack.split("\r") if s.startswith("ERR|")]


@pytest.fixture
async def feed(settings: Settings) -> AsyncIterator[tuple[Any, int]]:
    port = free_port()
    configured = settings.model_copy(
        update={"mllp_port": port, "mllp_host": "127.0.0.1", "mllp_allowed_sources": ["127.0.0.1"]}
    )
    application = create_app(configured)
    async with application.router.lifespan_context(application):
        yield application, port


@pytest.fixture
async def staff_of(feed: tuple[Any, int], password_hash: str) -> AsyncIterator[Staff]:
    app, _port = feed
    ids = {r: await create_user(app, r, r, password_hash) for r in ("nurse", "physician", "admin")}
    clients = [await bearer_client(app, ids[r]) for r in ("nurse", "physician", "admin")]
    yield Staff(*clients, ids=ids)
    for client in clients:
        await client.aclose()


async def readings(staff: Staff, session_id: str) -> list[dict[str, Any]]:
    answer = await staff.nurse.get(f"/api/sessions/{session_id}/readings")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return body if isinstance(body, list) else body["items"]  # type: ignore[no-any-return]


async def test_charted_by_mrn_and_the_same_message_again_changes_nothing(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    s = await session(staff_of.nurse)
    [first] = await send(port, oru("MSG-1", mrn=s["patient"]["mrn"]))
    assert msa(first)[1:3] == ["AA", "MSG-1"]
    [stored] = await readings(staff_of, s["id"])
    assert (stored["heart_rate"], stored["systolic"], stored["spo2"]) == (72, 124, 97)
    assert (stored["source"], stored["device_id"]) == ("device", "0011223344556677")
    # The monitor did not hear the ACK and resends, on a new connection: the same answer.
    [again] = await send(port, oru("MSG-1", mrn=s["patient"]["mrn"]))
    assert again == first
    assert len(await readings(staff_of, s["id"])) == 1


async def test_unknown_device_is_held_for_a_nurse(feed: tuple[Any, int], staff_of: Staff) -> None:
    _app, port = feed
    [answer] = await send(port, oru("MSG-2", device="FFEEDDCCBBAA0099"))
    assert msa(answer)[1] == "AA"  # stored: the monitor must not resend it forever
    assert any("204^" in e and "held" in e for e in errs(answer))
    held = (await staff_of.nurse.get("/api/devices/unmatched")).json()
    assert [(m["device_id"], m["control_id"]) for m in held] == [("FFEEDDCCBBAA0099", "MSG-2")]
    # Assigned to a session by a nurse: charted there, and no longer held.
    s = await session(staff_of.nurse)
    assigned = await staff_of.nurse.post(
        f"/api/devices/unmatched/{held[0]['id']}/assign", json={"session_id": s["id"]}
    )
    assert assigned.status_code == 200, assigned.text
    assert len(await readings(staff_of, s["id"])) == 1
    assert (await staff_of.nurse.get("/api/devices/unmatched")).json() == []
    again = await staff_of.nurse.post(
        f"/api/devices/unmatched/{held[0]['id']}/discard", json={"reason": "wrong chair"}
    )
    assert again.status_code == 409


async def test_discarded_with_a_reason_and_audited(feed: tuple[Any, int], staff_of: Staff) -> None:
    _app, port = feed
    await send(port, oru("MSG-3", device="AB00"))
    [held] = (await staff_of.nurse.get("/api/devices/unmatched")).json()
    short = await staff_of.nurse.post(f"/api/devices/unmatched/{held['id']}/discard", json={})
    assert short.status_code == 422
    done = await staff_of.nurse.post(
        f"/api/devices/unmatched/{held['id']}/discard", json={"reason": "monitor on the cart"}
    )
    assert done.status_code == 200 and done.json()["state"] == "discarded"
    audit = await staff_of.admin.get("/api/audit", params={"action": "device_message.discard"})
    assert audit.status_code == 200
    assert "device_message.discard" in audit.text


async def test_device_bound_to_a_chair_charts_into_its_session(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    chair = await chair_id(staff_of.nurse, "Chair 3")
    bound = await staff_of.admin.put(
        "/api/devices/0011223344556677",
        json={"id": "0011223344556677", "label": "Monitor 3", "chair_id": chair},
    )
    assert bound.status_code == 200, bound.text
    nurse_may_not = await staff_of.nurse.put(
        "/api/devices/X1", json={"id": "X1", "label": "x", "chair_id": None}
    )
    assert nurse_may_not.status_code == 403
    s = await session(staff_of.nurse, location="Chair 3")
    [answer] = await send(port, oru("MSG-4"))  # no PID: the chair decides
    assert msa(answer)[1] == "AA" and errs(answer) == []
    assert len(await readings(staff_of, s["id"])) == 1
    devices = (await staff_of.nurse.get("/api/devices")).json()
    assert devices[0]["last_message_at"] is not None


async def test_sentinel_only_is_answered_ae_and_not_charted(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    s = await session(staff_of.nurse)
    text = oru("MSG-5", mrn=s["patient"]["mrn"])
    only_sentinel = "\r".join(
        line.replace("|97|", "|-100|")
        for line in text.split("\r")
        if not line.startswith("OBX") or "150456" in line
    )
    [answer] = await send(port, only_sentinel)
    assert msa(answer)[1] == "AE"
    assert any("-100 means no measurement" in e for e in errs(answer))
    assert await readings(staff_of, s["id"]) == []


async def test_broken_framing_and_a_monitor_killed_mid_frame(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    _app, port = feed
    s = await session(staff_of.nurse)
    mrn = s["patient"]["mrn"]
    # Junk without a start block, then a good frame on the same connection.
    [answer] = await send(port, oru("MSG-6", mrn=mrn), raw=b"garbage" + END + b"MSH|half")
    assert msa(answer)[1:3] == ["AA", "MSG-6"]
    # A monitor that dies halfway through a frame: nothing stored, no ACK; it reconnects and
    # resends the whole message.
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    half = oru("MSG-7", mrn=mrn).encode()
    writer.write(VT + half[: len(half) // 2])
    await writer.drain()
    writer.transport.abort()
    await asyncio.sleep(0.1)
    assert len(await readings(staff_of, s["id"])) == 1
    [retry] = await send(port, oru("MSG-7", mrn=mrn))
    assert msa(retry)[1] == "AA"
    assert len(await readings(staff_of, s["id"])) == 2


async def test_not_an_oru_is_refused(feed: tuple[Any, int]) -> None:
    _app, port = feed
    [answer] = await send(port, "MSH|^~\\&|HIS||||20251201||ADT^A01|A1|P|2.5\rPID|||1\r")
    assert msa(answer)[1:3] == ["AR", "A1"]


async def test_untrusted_address_is_closed_without_reading(settings: Settings) -> None:
    port = free_port()
    configured = settings.model_copy(
        update={"mllp_port": port, "mllp_host": "127.0.0.1", "mllp_allowed_sources": ["10.0.0.0/8"]}
    )
    application = create_app(configured)
    async with application.router.lifespan_context(application):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(VT + oru("MSG-8").encode() + END)
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed, no ACK
        writer.close()


async def test_listener_refuses_to_start_without_trust(settings: Settings) -> None:
    from app.devices.mllp import NoTrust

    configured = settings.model_copy(update={"mllp_port": free_port(), "mllp_host": "127.0.0.1"})
    with pytest.raises(NoTrust, match="VIGIL_MLLP_ALLOWED_SOURCES is empty"):
        create_app(configured)


async def test_monitor_sim_charts_through_the_listener(
    feed: tuple[Any, int], staff_of: Staff
) -> None:
    from app.devices.sim import monitors, simulate

    _app, port = feed
    s = await session(staff_of.nurse)
    fleet = monitors(1, [s["patient"]["mrn"]], seed=3)
    await simulate("127.0.0.1", port, fleet, interval=0.05, count=3, speed=60)
    assert (fleet[0].sent, fleet[0].acked) == (3, 3)
    charted = sorted(await readings(staff_of, s["id"]), key=lambda r: r["taken_at"])
    assert len(charted) == 3
    assert all(r["heart_rate"] and r["spo2"] and r["respiratory_rate"] for r in charted)
    # The cuff cycled for the first message only: the others are partial sets.
    assert [r["systolic"] is not None for r in charted] == [True, False, False]
    assert 90 <= charted[0]["systolic"] <= 200
