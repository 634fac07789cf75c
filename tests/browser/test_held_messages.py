"""The nurse's list of monitor messages held for her (no session found for them): assign one to
its patient's session, discard another with a reason; the charted reading is marked as a
monitor's in the reading history. At the tablet's 1024x768 and the physician's 1920x1080."""

import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import VigilServer

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}
DESK = {"width": 1920, "height": 1080}
VT, END = b"\x0b", b"\x1c\r"


def send(port: int, text: str) -> str:
    """One message over MLLP as a monitor sends it; the ACK's text."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(VT + text.encode() + END)
        answer = b""
        while not answer.endswith(END):
            answer += s.recv(4096)
    return answer[1:-2].decode()


def unknown_monitor(device: str, mrn: str, spo2: int, seconds_ago: float = 20) -> str:
    """A PCD-01 message from a monitor no chair has, naming a patient (PID-3)."""
    at = (datetime.now(UTC) - timedelta(seconds=seconds_ago)).strftime("%Y%m%d%H%M%S+0000")
    return "\r".join(
        [
            f"MSH|^~\\&|SIM^{device}^EUI-64|CLINIC|||{at}||ORU^R01^ORU_R01|{uuid.uuid4().hex[:12]}"
            "|P|2.6",
            f"PID|||{mrn}^^^Clinic^MR",
            f"OBR|1|||182777000^monitoring of patient^SCT|||{at}",
            f"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.0.1|{spo2}|262688^MDC_DIM_PERCENT^MDC"
            f"|||||R|||{at}|||||{device}",
            f"OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.0.2|76|264864^MDC_DIM_BEAT_PER_MIN^MDC"
            f"|||||R|||{at}|||||{device}",
        ]
    )


def test_a_nurse_assigns_one_held_message_and_discards_another(
    signed_in: Callable[..., Page], vigil_server: VigilServer, tmp_path: Path
) -> None:
    s = vigil_server.new_session("Chair 5")
    first, second = (f"AA00BB00CC{uuid.uuid4().hex[:6].upper()}" for _ in range(2))
    for device, mrn, spo2 in ((first, "WRONG-MRN-1", 95), (second, "BENCH-TEST", 99)):
        ack = send(vigil_server.mllp_port, unknown_monitor(device, mrn, spo2))
        assert "MSA|AA" in ack and "held for a nurse" in ack, ack

    desk = signed_in("physician", viewport=DESK)
    desk.goto("/#/monitors")
    expect(desk.locator(".held").filter(has_text=second)).to_be_visible()
    desk.screenshot(path=tmp_path / "held-1920.png", full_page=True)

    page = signed_in("nurse", viewport=TABLET)
    page.goto("/#/monitors")
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitor messages held for a nurse")
    card = page.locator(".held").filter(has_text=first)
    expect(card).to_contain_text("Patient id sent: WRONG-MRN-1")
    expect(card).to_contain_text("HR 76, SpO₂ 95")
    expect(card).to_contain_text("no session for this patient or device")
    page.screenshot(path=tmp_path / "held-1024.png", full_page=True)
    # Every control of the card is on the tablet's screen, none wider than it.
    for control in (card.get_by_label("Chart into"), card.get_by_role("button", name="Assign")):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= TABLET["width"]

    assign = card.get_by_role("button", name="Assign")
    expect(assign).to_be_disabled()
    patient = s["patient"]
    label = f"Chair 5 · {patient['full_name']} ({patient['mrn']})"
    card.get_by_label("Chart into").select_option(label=label)
    assign.click()
    expect(page.get_by_role("status")).to_contain_text("Charted into Chair 5")
    expect(page.locator(".held").filter(has_text=first)).to_have_count(0)
    [reading] = vigil_server.readings(s["id"])
    assert (reading["source"], reading["device_id"], reading["spo2"]) == ("device", first, 95)

    other = page.locator(".held").filter(has_text=second)
    other.get_by_role("button", name="Discard…").click()
    discard = other.get_by_role("button", name="Discard with reason")
    expect(discard).to_be_disabled()
    other.get_by_label("Reason").fill("monitor tested at the bench, no patient")
    discard.click()
    expect(page.get_by_role("status")).to_contain_text(f"Discarded the message from {second}")
    expect(page.locator(".held").filter(has_text=second)).to_have_count(0)

    expect(page.get_by_test_id("held-none")).to_be_visible()

    # The reading charted from the monitor is marked as the monitor's in the history.
    page.goto(f"/#/nurse/{s['id']}")
    mark = page.get_by_test_id("device-mark")
    expect(mark).to_have_text(f"Monitor {first}: device, not validated")
    page.screenshot(path=str(tmp_path / "history.png"))
