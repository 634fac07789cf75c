"""Bugs found by the reliability work (fuzzing, crash and outage tests), each kept as an ordinary
test so it stays fixed."""

import uuid
from typing import cast

import pytest
from starlette.websockets import WebSocket, WebSocketDisconnect

from app.live.stream import LiveConnection, Login, close
from tests import factories
from tests.conftest import PG_URL
from tests.reliability.conftest import pg_execute

pytestmark = pytest.mark.anyio


async def test_range_export_right_after_another_request(staff):
    """Found by fuzzing: on SQLite a streamed range export made within 15 s of the login's last
    request hung for the whole busy timeout (30 s) and then answered 503 "database unreachable":
    the authentication lookup's transaction kept the SQLite write lock while the stream waited
    for it to write its audit row."""
    s = await factories.session(staff.nurse)
    assert (await factories.put_reading(staff.nurse, s["id"])).status_code == 201
    rng = {"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}
    for client, path in (
        (staff.physician, "/api/exports/sessions.csv"),
        (staff.physician, "/api/exports/sessions.fhir.ndjson"),
        (staff.admin, "/api/exports/audit.fhir.ndjson"),
    ):
        assert (await client.get("/api/auth/me")).status_code == 200  # a fresh login touch
        answer = await client.get(path, params=rng)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:200])


async def test_nul_characters_are_refused_not_a_server_error(app, staff):
    """Found by fuzzing: PostgreSQL cannot store or compare text with a NUL character, and the
    driver's DataError surfaced as a 500 (patient search, free-text fields). Now a 422 on
    PostgreSQL; SQLite stores the text as given."""
    answer = await staff.nurse.get("/api/patients", params={"q": "Al\x00ex"})
    assert answer.status_code == (422 if app.state.database.is_postgres else 200), answer.text
    if answer.status_code == 422:
        assert "cannot be stored or searched" in answer.json()["detail"][0]["msg"]
    created = await staff.nurse.post(
        "/api/patients",
        json={"mrn": "NUL-1", "full_name": "Nul\x00Byte", "date_of_birth": "1980-01-01"},
    )
    assert created.status_code in (201, 422), created.text
    s = await factories.session(staff.nurse)
    reading = await factories.put_reading(staff.nurse, s["id"], note="bad\x00note")
    assert reading.status_code in (201, 422), reading.text
    # Whatever the database, the server is fine afterwards and nothing half-written remains.
    listed = await staff.nurse.get(f"/api/sessions/{s['id']}/readings")
    assert listed.status_code == 200
    assert len(listed.json()) == (1 if reading.status_code == 201 else 0)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_database_refusing_connections_is_503_not_500(app, staff, database_url):
    """Found by the outage test: while PostgreSQL refused new connections ("database is not
    currently accepting connections", SQLSTATE 55000) asyncpg's error arrived as a plain
    DBAPIError and every request answered 500. It is the database being unreachable: 503."""
    name = database_url.rsplit("/", 1)[1]
    await pg_execute(PG_URL, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    try:
        await pg_execute(
            PG_URL,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )
        answer = await staff.nurse.get("/api/sessions")
        assert answer.status_code == 503, answer.text
        assert "database is unreachable" in answer.json()["detail"]
        assert answer.headers["Retry-After"] == "5"
        assert (await staff.nurse.get("/readyz")).status_code == 503
    finally:
        await pg_execute(PG_URL, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert (await staff.nurse.get("/api/sessions")).status_code == 200


async def test_diastolic_not_below_systolic_names_the_field(staff):
    """Found by the property tests: the 422 for diastolic ≥ systolic had `loc` ["body"] (a model
    validator), unlike every other range error and unlike the amend route; it names `diastolic`."""
    s = await factories.session(staff.nurse)
    answer = await factories.put_reading(staff.nurse, s["id"], systolic=90, diastolic=95)
    assert answer.status_code == 422
    assert [e["loc"] for e in answer.json()["detail"]] == [["body", "diastolic"]]
    assert "lower than systolic (90)" in answer.json()["detail"][0]["msg"]


class _ClosedByUvicorn:
    """A socket whose peer's close frame uvicorn has already answered: what a send or a close
    then meets."""

    async def send_text(self, text: str) -> None:
        raise RuntimeError(
            "Unexpected ASGI message 'websocket.send', after sending 'websocket.close'."
        )

    async def close(self, code: int, reason: str) -> None:
        raise RuntimeError(
            "Unexpected ASGI message 'websocket.close', after sending 'websocket.close'."
        )


async def test_a_send_after_the_peers_close_is_a_disconnect(app):
    """Found by the 30-minute soak: a live send racing the client's close frame escaped as an
    error (logged as "Exception in ASGI application") instead of ending the connection quietly.
    The race itself is inside uvicorn, so the socket here is in the state it leaves behind."""
    connection = LiveConnection(
        cast(WebSocket, _ClosedByUvicorn()),
        database=app.state.database,
        settings=app.state.settings,
        login=Login(uuid.uuid4(), "token"),
    )
    with pytest.raises(WebSocketDisconnect):
        await connection._send('{"type":"ping","seq":1}')


async def test_closing_a_socket_uvicorn_already_closed_is_quiet():
    """Found by the PostgreSQL soak (2026-12-01): a server-side close (too slow, login ended)
    racing the client's own close frame escaped as "Exception in ASGI application"."""
    await close(cast(WebSocket, _ClosedByUvicorn()), 1013, "too slow; reconnect with since=1")
