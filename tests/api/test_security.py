"""Regression tests for the findings of the attacker's probe (issue 17), each named for one."""

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.audit.service import audit_entry
from app.config import Settings
from app.main import create_app
from app.middleware import client_address
from app.validation import NOT_FINITE, plain_errors
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.anyio

ORIGIN = {"Origin": "http://vigil.test"}
PYDANTIC_WORDS = ("Value error", "Input should", "valid integer", "Field required")


async def audit_rows(app: Any) -> int:
    async with app.state.database.session() as db:
        return int(await db.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def raw_json(client: httpx.AsyncClient, method: str, url: str, text: str) -> Any:
    return client.request(
        method, url, content=text.encode(), headers={"content-type": "application/json"}
    )


def strict_json(answer: httpx.Response) -> Any:
    """The body as strict JSON: NaN or Infinity in it would raise."""

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in the answer")

    return json.loads(answer.text, parse_constant=refuse)


async def test_finding_unbounded_username_on_token_writes_nothing(staff, anon, app):
    before = await audit_rows(app)
    for _ in range(3):
        answer = await anon.post(
            "/api/auth/token", data={"username": "u" * 1_000_000, "password": "whatever"}
        )
        assert answer.status_code == 422
        assert "u" * 100 not in answer.text
        assert answer.json()["detail"][0]["msg"] == "use at most 64 characters"
    huge = await anon.post(
        "/api/auth/token", data={"username": "u" * 2_000_000, "password": "whatever"}
    )
    assert huge.status_code == 413
    assert await audit_rows(app) == before


async def test_finding_audit_entry_truncates_unauthenticated_input():
    row = audit_entry(action="auth.login", user=None, username="x" * 10_000, client_addr="y" * 500)
    assert row.username is not None and len(row.username) == 64
    assert row.client_addr is not None and len(row.client_addr) == 64


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "1" * 5000])
async def test_finding_non_finite_numbers_are_refused_at_parsing(staff, anon, number):
    s = await factories.session(staff.nurse)
    reading = json.dumps(factories.vitals()).replace('"heart_rate": 72', f'"heart_rate": {number}')
    note = f'{{"kind": "note", "text": "x", "details": {{"dose": {number}}}}}'
    login = f'{{"username": "nurse", "password": {number}}}'
    answers = [
        await raw_json(
            staff.nurse, "PUT", f"/api/sessions/{s['id']}/readings/{uuid.uuid4()}", reading
        ),
        await raw_json(staff.nurse, "POST", f"/api/sessions/{s['id']}/notes", note),
        await raw_json(anon, "POST", "/api/auth/login", login),
    ]
    for answer in answers:
        assert answer.status_code == 422, answer.text
        msg = strict_json(answer)["detail"][0]["msg"]
        assert msg in (NOT_FINITE, "a number in this request is too large")
    timeline = (await staff.nurse.get(f"/api/sessions/{s['id']}/timeline")).text
    assert "NaN" not in timeline and "Infinity" not in timeline


async def test_finding_422_never_echoes_a_submitted_password(staff, anon):
    weak = await staff.admin.post(
        "/api/users",
        json={
            "username": "newbie",
            "display_name": "N",
            "role": "nurse",
            "password": "aaaaaaaaaaaa",
        },
    )
    assert weak.status_code == 422
    assert weak.json()["detail"][0]["loc"][-1] == "password"
    assert "too easy to guess" in weak.json()["detail"][0]["msg"]
    assert "aaaaaaaaaaaa" not in weak.text
    secret = "s3cret-" + "z" * 300
    long = await anon.post("/api/auth/login", json={"username": "nurse", "password": secret})
    assert long.status_code == 422 and "s3cret" not in long.text
    typed = await anon.post("/api/auth/login", json={"username": "nurse", "password": 123456789})
    assert typed.status_code == 422 and "123456789" not in typed.text
    assert all("input" not in item for item in typed.json()["detail"])


async def test_finding_422_speaks_plain_words(staff):
    s = await factories.session(staff.nurse)
    answer = await factories.put_reading(staff.nurse, s["id"], heart_rate="fast", spo2=None)
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    by_field = {item["loc"][-1]: item["msg"] for item in detail}
    assert by_field["heart_rate"] == "enter a whole number between 0 and 300 /min"
    assert by_field["spo2"] == "enter a whole number between 0 and 100 %"
    assert not any(word in answer.text for word in PYDANTIC_WORDS)
    missing = await staff.nurse.put(
        f"/api/sessions/{s['id']}/readings/{uuid.uuid4()}", json={"heart_rate": 70}
    )
    assert {"loc": ["body", "taken_at"], "msg": "this field is required", "type": "missing"} in (
        missing.json()["detail"]
    )


def test_finding_422_handler_cannot_fail_on_odd_errors():
    odd: list[dict[str, Any]] = [
        {"type": "value_error", "loc": ("body", "x" * 5000), "msg": "m", "ctx": {"error": None}},
        {"type": "no_such_type", "loc": None, "ctx": {"le": float("nan")}},
        {"type": "less_than_equal", "loc": ("body", "n"), "ctx": {"le": float("inf")}},
        {"loc": object()},
    ]
    out = plain_errors(odd)
    assert len(out) == 4
    json.dumps(out, allow_nan=False)
    assert len(out[0]["loc"][1]) <= 40


async def test_finding_failed_logins_are_throttled_per_address(staff, anon, app):
    app.state.settings.login_max_failures_per_address = 4
    for n in range(4):
        answer = await anon.post(
            "/api/auth/token", data={"username": f"guess{n}", "password": "wrong-wrong-wrong"}
        )
        assert answer.status_code == 401
    # A fresh username from the same address: the address is throttled, not the name.
    locked = await anon.post("/api/auth/token", data={"username": "nurse", "password": PASSWORD})
    assert locked.status_code == 429
    assert "from this address" in locked.json()["detail"]
    elsewhere = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("10.1.2.3", 40000)),
        base_url="http://vigil.test",
    )
    async with elsewhere:
        ok = await elsewhere.post(
            "/api/auth/token", data={"username": "nurse", "password": PASSWORD}
        )
    assert ok.status_code == 200


def test_finding_forwarded_client_address_is_bounded():
    assert client_address(("203.0.113.9", 1)) == "203.0.113.9"
    assert client_address(("2001:db8::1", 1)) == "2001:db8::1"
    assert client_address(("x" * 100_000, 1)) is None
    assert client_address(("evil, 1.2.3.4", 1)) is None
    assert client_address(None) is None


async def test_finding_origin_with_another_scheme_is_refused(staff, anon):
    await anon.post("/api/auth/login", json={"username": "nurse", "password": PASSWORD})
    for origin in ("ftp://vigil.test", "https://vigil.test", "http://evil.test"):
        refused = await anon.post("/api/auth/logout", headers={"Origin": origin})
        assert refused.status_code == 403, origin
    assert (await anon.post("/api/auth/logout", headers=ORIGIN)).status_code == 204


async def test_finding_weak_password_is_refused(staff):
    for password in ("aaaaaaaaaaaa", "password1234", "nurse-nurse-nurse"[:12]):
        answer = await staff.admin.post(
            "/api/users",
            json={"username": "nurse2", "display_name": "N", "role": "nurse", "password": password},
        )
        assert answer.status_code == 422, password
    reset = await staff.admin.patch(
        f"/api/users/{staff.ids['nurse']}", json={"password": "qwertyuiop12"}
    )
    assert reset.status_code == 422


async def test_finding_last_admin_cannot_demote_or_deactivate_themself(staff):
    me = f"/api/users/{staff.ids['admin']}"
    for change in ({"role": "nurse"}, {"active": False}):
        answer = await staff.admin.patch(me, json=change)
        assert answer.status_code == 409
        assert "last active admin" in answer.json()["detail"]
    second = await staff.admin.patch(f"/api/users/{staff.ids['physician']}", json={"role": "admin"})
    assert second.status_code == 200
    assert (await staff.admin.patch(me, json={"role": "nurse"})).status_code == 200


async def test_finding_docs_and_schema_are_off_in_production(tmp_path):
    settings = Settings(
        env="production",
        secret_key="p" * 40,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        frontend_dist=tmp_path / "none",
    )
    assert settings.cookie_secure is True
    application = create_app(settings)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://vigil.test") as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await client.get(path)).status_code == 404, path
    # The frontend's generated types come from the schema built in-process.
    assert "/api/auth/login" in application.openapi()["paths"]
    assert (
        Settings(env="production", secret_key="p" * 40, cookie_secure=False).cookie_secure is False
    )


def _unbounded(spec: dict[str, Any]) -> list[str]:
    components = spec["components"]["schemas"]
    problems: list[str] = []

    def walk(schema: dict[str, Any], where: str, seen: frozenset[str]) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(components[name], f"{where}>{name}", seen | {name})
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                walk(sub, where, seen)
        kind = schema.get("type")
        bounded_string = "enum" in schema or "const" in schema or "maxLength" in schema
        typed_string = schema.get("format") in ("uuid", "date-time", "date")
        if kind == "string" and not bounded_string and not typed_string:
            problems.append(f"{where}: text without a maximum length")
        if kind == "array":
            if "maxItems" not in schema:
                problems.append(f"{where}: list without a maximum number of items")
            walk(schema.get("items", {}), f"{where}[]", seen)
        for name, sub in schema.get("properties", {}).items():
            walk(sub, f"{where}.{name}", seen)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            if "maxProperties" not in schema:
                problems.append(f"{where}: map without a maximum number of entries")
            walk(extra, f"{where}{{}}", seen)

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} ?{parameter['name']}"
                walk(parameter.get("schema", {}), where, frozenset())
            for media in operation.get("requestBody", {}).get("content", {}).values():
                walk(media.get("schema", {}), f"{method.upper()} {path}", frozenset())
    return problems


def test_finding_every_field_of_every_route_has_a_length_limit(tmp_path):
    spec = create_app(Settings(env="test", frontend_dist=tmp_path)).openapi()
    assert _unbounded(spec) == []


@pytest.mark.parametrize("field", ["heart_rate", "spo2", "taken_at"])
async def test_finding_null_in_an_amendment_is_a_422_not_a_500(staff, field):
    s = await factories.session(staff.nurse)
    put = await factories.put_reading(staff.nurse, s["id"])
    reading_id = put.json()["reading"]["id"]
    answer = await staff.nurse.post(
        f"/api/sessions/{s['id']}/readings/{reading_id}/amend",
        json={"reason": "typed the wrong box", field: None},
    )
    assert answer.status_code == 422, answer.text
    [item] = answer.json()["detail"]
    assert item["loc"][-1] == field
    assert not any(word in answer.text for word in PYDANTIC_WORDS)


async def test_finding_throttled_attempts_do_not_grow_the_log(staff, anon, app):
    for _ in range(5):
        await anon.post("/api/auth/token", data={"username": "nurse", "password": "wrong-guess-1"})
    before = await audit_rows(app)
    for _ in range(20):
        answer = await anon.post("/api/auth/token", data={"username": "nurse", "password": "x"})
        assert answer.status_code == 429
    assert await audit_rows(app) == before + 1


def test_a_too_long_list_map_or_url_is_worded_for_what_it_is():
    ctx = {"max_length": 3}
    worded = plain_errors(
        [
            {"type": "too_long", "loc": ("body", "a"), "ctx": {**ctx, "field_type": "List"}},
            {"type": "too_long", "loc": ("body", "d"), "ctx": {**ctx, "field_type": "Dictionary"}},
            {"type": "too_long", "loc": ("body", "u"), "ctx": {**ctx, "field_type": "Value"}},
        ]
    )
    assert [w["msg"] for w in worded] == [
        "send at most 3 items",
        "send at most 3 entries",
        "use at most 3 characters",
    ]
