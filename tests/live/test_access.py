"""Who may open the live stream, and how a login that ends closes it (DESIGN §5)."""

import json
from typing import Any

import anyio
import pytest
from sqlalchemy import select

from app.audit.access import ACTION
from app.audit.models import AuditEvent
from app.db import Database
from tests.controlled.test_log import RECEIPT, count, witness
from tests.factories import session
from tests.live.conftest import (
    StartLive,
    closed_with,
    events,
    new_session,
    receive,
    write_readings,
)

pytestmark = pytest.mark.anyio
POLICY = 1008


async def test_no_credentials_is_closed_with_1008(start_live: StartLive) -> None:
    live = await start_live(live_auth_timeout_seconds=0.2)
    ws = await live.socket()
    code, reason, before = await closed_with(ws)
    assert (code, before) == (POLICY, [])
    assert "auth" in reason


@pytest.mark.parametrize(
    "first",
    [
        json.dumps({"type": "auth", "token": "not-a-token"}),
        json.dumps({"type": "hello"}),
        "not json",
    ],
)
async def test_bad_first_message_is_closed_with_1008(start_live: StartLive, first: str) -> None:
    live = await start_live()
    ws = await live.socket()
    await ws.send(first)
    code, _reason, before = await closed_with(ws)
    assert (code, before) == (POLICY, [])


async def test_cookie_needs_an_allowed_origin(start_live: StartLive) -> None:
    live = await start_live()
    browser = await live.client("nurse")
    del browser.headers["Authorization"]
    answer = await browser.post(
        "/api/auth/login", json={"username": "nurse", "password": "correct-horse-battery"}
    )
    assert answer.status_code == 200, answer.text
    cookie = {"Cookie": f"vigil_session={browser.cookies['vigil_session']}"}

    evil = await live.socket(additional_headers=cookie, origin="http://evil.example")
    code, reason, before = await closed_with(evil)
    assert (code, reason, before) == (POLICY, "origin not allowed", [])

    no_origin = await live.socket(additional_headers=cookie)
    assert (await closed_with(no_origin))[0] == POLICY

    ours = await live.socket(additional_headers=cookie, origin=live.base)
    assert (await receive(ours))["type"] == "snapshot"

    stale = {"Cookie": "vigil_session=expired-or-forged"}
    forged = await live.socket(additional_headers=stale, origin=live.base)
    assert (await closed_with(forged))[0] == POLICY


async def test_deactivated_user_is_cut_off_at_once(start_live: StartLive) -> None:
    # A long heartbeat: only the revocation event can close the socket in this test.
    live = await start_live(heartbeat_seconds=600)
    physician = await live.client("physician")
    admin = await live.client("admin")
    session_id = await new_session(physician)
    nurse_ws = await live.stream("nurse")
    physician_ws = await live.stream("physician")
    before = (await receive(physician_ws))["seq"]
    await receive(nurse_ws)

    answer = await admin.patch(f"/api/users/{live.ids['nurse']}", json={"active": False})
    assert answer.status_code == 200, answer.text

    code, reason, received = await closed_with(nurse_ws)
    assert code == POLICY
    assert "revoked" in reason
    assert received == []

    # Others stay connected and never see the auth event, live or replayed.
    [reading_id] = await write_readings(physician, session_id, 1)
    [event] = await events(physician_ws, 1)
    assert event["data"]["reading"]["id"] == reading_id
    replay = await live.stream("physician", since=before)
    assert (await receive(replay))["type"] == "resumed"
    assert [e["data"]["reading"]["id"] for e in await events(replay, 1)] == [reading_id]

    # And the nurse cannot come back.
    again = await live.stream("nurse")
    assert (await closed_with(again))[0] == POLICY


async def test_logout_closes_the_socket_at_the_next_heartbeat(start_live: StartLive) -> None:
    live = await start_live(heartbeat_seconds=0.1)
    nurse = await live.client("nurse")
    ws = await live.stream("nurse")
    assert (await receive(ws))["type"] == "snapshot"
    assert (await nurse.post("/api/auth/logout")).status_code == 204
    code, reason, _ = await closed_with(ws)
    assert code == POLICY
    assert "sign in again" in reason


async def test_idle_login_times_out_on_the_socket_too(start_live: StartLive) -> None:
    # The stream itself is not activity: with nothing else done, the login idles out.
    live = await start_live(heartbeat_seconds=0.1, idle_timeout_minutes=0.03)
    ws = await live.stream("nurse")
    assert (await receive(ws))["type"] == "snapshot"
    code, _reason, _ = await closed_with(ws)
    assert code == POLICY


async def test_finding_the_live_snapshot_is_an_audited_read(start_live: StartLive) -> None:
    live = await start_live()
    nurse = await live.client("nurse")
    sid = await new_session(nurse)
    ws = await live.stream("nurse")
    assert (await receive(ws))["type"] == "snapshot"

    async def audited() -> list[tuple[str, str, str]]:
        database = Database(live.database_url)
        try:
            async with database.session() as db:
                rows = await db.execute(
                    select(AuditEvent.username, AuditEvent.target_id, AuditEvent.details).where(
                        AuditEvent.action == ACTION
                    )
                )
                return [(r[0], r[1], r[2]["view"]) for r in rows.all()]
        finally:
            await database.dispose()

    for _ in range(50):
        if await audited():
            break
        await anyio.sleep(0.1)
    assert await audited() == [("nurse", sid, "live snapshot")]


async def test_each_client_gets_only_its_sites_events(start_live: StartLive) -> None:
    live = await start_live()
    admin = await live.client("admin")
    north = (await admin.post("/api/sites", json={"name": "North"})).json()
    chair = await admin.post(f"/api/sites/{north['id']}/chairs", json={"name": "N1"})
    joined = await admin.put(f"/api/sites/{north['id']}/members/{live.ids['physician']}")
    assert joined.status_code == 204
    nurse_ws = await live.stream("nurse")
    doctor_ws = await live.stream("physician")
    for ws in (nurse_ws, doctor_ws):
        assert (await receive(ws))["type"] == "snapshot"

    doctor = await live.client("physician")
    far = str((await session(doctor, chair_id=chair.json()["id"]))["id"])
    await write_readings(doctor, far, 1, systolic=186)
    near = await new_session(await live.client("nurse"))

    # The nurse works at the main site only: North's session, reading and alert never reach her.
    first = await receive(nurse_ws)
    assert (first["event"], first["session_id"]) == ("session.created", near)
    seen = {m["session_id"] for m in await events(doctor_ws, 4)}
    assert far in seen


async def test_a_discrepancy_is_streamed_to_admins_only(start_live: StartLive) -> None:
    live = await start_live()
    admin = await live.client("admin")
    [site] = (await admin.get("/api/sites")).json()
    admin_ws, nurse_ws = await live.stream("admin"), await live.stream("nurse")
    for ws in (admin_ws, nurse_ws):
        assert (await receive(ws))["type"] == "snapshot"
    received = await admin.post(
        "/api/controlled/receipts",
        json=RECEIPT | {"site_id": site["id"], "quantity": 1, "witness": witness("physician")},
    )
    [vial] = received.json()
    nurse = await live.client("nurse")
    short = await count(nurse, site["id"], {vial["id"]: 9.0}, witness("physician"))
    assert short.status_code == 201, short.text
    near = await new_session(nurse)

    first = await receive(admin_ws)
    assert first["event"] == "controlled.discrepancy_opened"
    assert first["data"]["discrepancy"]["difference_ml"] == -1
    # The nurse who counted is not who resolves it: her next event is the session she opened.
    mine = await receive(nurse_ws)
    assert (mine["event"], mine["session_id"]) == ("session.created", near)


async def test_a_dashboard_of_one_site_never_receives_another_sites_events(
    start_live: StartLive,
) -> None:
    live = await start_live(heartbeat_seconds=0.3)
    admin = await live.client("admin")
    north = (await admin.post("/api/sites", json={"name": "North"})).json()
    chair = await admin.post(f"/api/sites/{north['id']}/chairs", json={"name": "N1"})
    await admin.put(f"/api/sites/{north['id']}/members/{live.ids['physician']}")
    nurse_ws = await live.stream("nurse")
    admin_ws = await live.stream("admin")
    for ws in (nurse_ws, admin_ws):
        assert (await receive(ws))["type"] == "snapshot"

    doctor = await live.client("physician")
    far = str((await session(doctor, chair_id=chair.json()["id"]))["id"])
    await write_readings(doctor, far, 5, systolic=186)
    near = await new_session(await live.client("nurse"))

    # The admin's dashboard (every site) sees North's events; they are what the nurse must not.
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["session_id"] != near:
        seen.append(await receive(admin_ws))
    north_seqs = [m["seq"] for m in seen if m["session_id"] == far]
    assert len(north_seqs) >= 6  # created, five readings (and an alert)

    first = await receive(nurse_ws)
    assert (first["event"], first["session_id"]) == ("session.created", near)
    # North's events count as seen: a resume from the nurse's last seq skips them.
    ping = await receive(nurse_ws, skip_pings=False)
    while ping["type"] != "ping":
        ping = await receive(nurse_ws, skip_pings=False)
    assert ping["seq"] >= max(north_seqs)

    # Asked to replay from before North's events, the stream still leaves them out.
    again = await live.stream("nurse", since=min(north_seqs) - 1)
    assert (await receive(again))["type"] == "resumed"
    replayed = await receive(again)
    assert (replayed["event"], replayed["session_id"]) == ("session.created", near)
