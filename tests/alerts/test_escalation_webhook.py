"""Escalation that leaves the room: an unacknowledged high alert is POSTed to the site's webhook,
a real HTTP receiver on loopback, retried when it fails, every attempt audited."""

import json
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import pytest
from sqlalchemy import select

from app.alerts.models import EscalationNotice
from app.config import Settings

pytestmark = pytest.mark.anyio


@dataclass
class Receiver:
    """A paging system's endpoint: answers each POST with the next of `statuses` (then 200)."""

    statuses: list[int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(
                {"content_type": self.headers["Content-Type"], **json.loads(body)}
            )
            status = state.statuses.pop(0) if state.statuses else 200
            state.answered.append(status)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/page?token=s3cret"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Escalates after half a second; a failed POST is retried a tenth of a second later.
    return settings.model_copy(
        update={
            "timer_interval_seconds": 0.1,
            "escalation_seconds": 0.5,
            "escalation_retry_seconds": 0.1,
        }
    )


async def point_site_at(staff: Any, receiver: Receiver) -> None:
    site = (await staff.admin.get("/api/sites")).json()[0]
    answer = await staff.admin.patch(
        f"/api/sites/{site['id']}", json={"escalation_webhook_url": receiver.url}
    )
    assert answer.status_code == 200, answer.text


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll until `check` holds, failing after a generous deadline (never a fixed sleep)."""
    with anyio.move_on_after(15):
        while True:
            if await check():
                return
            await anyio.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def received(receiver: "Receiver", status: int | None = None) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return bool(receiver.received) if status is None else status in receiver.answered

    return check


async def notify_audit(staff: Any, attempt: int = 1) -> list[dict[str, Any]]:
    """The `alert.notify` audit rows, once the row of delivery attempt `attempt` is there: it
    commits after the receiver has answered, so a test that saw the POST may be ahead of it."""
    rows: list[dict[str, Any]] = []

    async def written() -> bool:
        nonlocal rows
        page = (await staff.admin.get("/api/audit", params={"limit": 200})).json()
        rows = [r for r in page if r["action"] == "alert.notify"]
        return any(r["details"]["attempt"] == attempt for r in rows)

    await until(written, f"the audit row of attempt {attempt}")
    return sorted(rows, key=lambda r: r["details"]["attempt"])


async def test_an_unacknowledged_high_alert_is_posted_once_to_the_sites_webhook(
    open_chair, staff, receiver, app
):
    await point_site_at(staff, receiver)
    chair = await open_chair(mrn="MRN-WEBHOOK-1")
    await chair.reading(systolic=190)
    alert = await chair.open_alert("sbp_high")
    assert alert is not None and alert["priority"] == "high"

    await until(received(receiver), "the POST")
    posted = receiver.received[0]
    assert posted["content_type"] == "application/json"
    assert posted["event"] == "alert.escalated"
    assert posted["alert_id"] == alert["id"]
    assert (posted["chair"], posted["site"]) == (alert["location"], "Main site")
    assert posted["patient_initials"] == "P.1."
    assert posted["priority"] == "high"
    assert posted["message"] == alert["message"]
    # The minimum to find the patient: no name, MRN or birth date leaves the building.
    assert "Patient 1" not in json.dumps(posted)
    assert "MRN-WEBHOOK-1" not in json.dumps(posted)
    assert "1980" not in json.dumps(posted)

    await anyio.sleep(1.0)  # ten ticks and dispatcher rounds later: still once
    assert len(receiver.received) == 1
    (audited,) = await notify_audit(staff)
    assert (audited["outcome"], audited["target_id"]) == ("success", alert["id"])
    assert audited["details"]["host"] == "127.0.0.1"
    assert audited["details"]["status"] == 200
    assert "s3cret" not in json.dumps(audited)


async def test_a_receiver_that_fails_first_is_retried_and_delivered_once(
    open_chair, staff, receiver, app
):
    receiver.statuses = [500]
    await point_site_at(staff, receiver)
    chair = await open_chair()
    await chair.reading(spo2=85)

    await until(received(receiver, 200), "the retry")
    await anyio.sleep(0.5)
    assert receiver.answered == [500, 200]
    # The same notice both times: a receiver can tell a retry from a second escalation.
    assert receiver.received[0]["id"] == receiver.received[1]["id"]
    audited = await notify_audit(staff, attempt=2)
    assert [(a["outcome"], a["details"]["status"]) for a in audited] == [
        ("failure", 500),
        ("success", 200),
    ]
    async with app.state.database.read_session() as db:
        (notice,) = (await db.scalars(select(EscalationNotice))).all()
    assert (notice.attempts, notice.next_attempt_at) == (2, None)
    assert notice.delivered_at is not None and notice.gave_up_at is None


async def test_a_site_without_a_webhook_sends_nothing(open_chair, staff, receiver, app):
    chair = await open_chair()
    await chair.reading(systolic=190)

    async def escalated() -> bool:
        found = await chair.open_alert("sbp_high")
        return bool(found and found["escalated"])

    await until(escalated, "the escalation")
    async with app.state.database.read_session() as db:
        assert (await db.scalars(select(EscalationNotice))).all() == []
    assert receiver.received == []


async def test_the_webhook_url_must_be_http(staff):
    site = (await staff.admin.get("/api/sites")).json()[0]
    for bad in ("ftp://pager.example.org/x", "javascript:alert(1)", "not a url"):
        answer = await staff.admin.patch(
            f"/api/sites/{site['id']}", json={"escalation_webhook_url": bad}
        )
        assert answer.status_code == 422, bad
    after = next(s for s in (await staff.admin.get("/api/sites")).json() if s["id"] == site["id"])
    assert after["escalation_webhook_configured"] is False


async def test_a_notice_left_by_a_process_that_died_mid_send_is_sent_by_the_next(
    open_chair, staff, receiver, app
):
    chair = await open_chair()
    await chair.reading(systolic=190)
    alert = await chair.open_alert("sbp_high")
    assert alert is not None
    site = (await staff.admin.get("/api/sites")).json()[0]
    # The webhook first: a notice claimed while the site has none fails that attempt.
    await point_site_at(staff, receiver)
    # What a process that claimed the notice and died before its answer leaves behind: one
    # attempt counted, its lease run out.
    async with app.state.database.session() as db:
        db.add(
            EscalationNotice(
                alert_id=uuid.UUID(alert["id"]),
                site_id=uuid.UUID(site["id"]),
                payload={"id": "left-behind", "alert_id": alert["id"]},
                attempts=1,
                next_attempt_at=datetime.now(UTC) - timedelta(seconds=1),
            )
        )
        await db.commit()

    # The alert's own escalation may post its notice first: wait for the one left behind.
    async def left_behind() -> bool:
        return any(r["id"] == "left-behind" for r in receiver.received)

    await until(left_behind, "the notice left behind")
    assert [r["id"] for r in receiver.received if r["id"] == "left-behind"] == ["left-behind"]
    (audited,) = [a for a in await notify_audit(staff, attempt=2) if a["details"]["attempt"] == 2]
    assert audited["outcome"] == "success"
