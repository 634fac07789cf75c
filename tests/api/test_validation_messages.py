"""Every validation message a person can see is in plain words.

The table is the API contract itself: for every route that takes a JSON body, each field is
sent missing, of the wrong type, too long, too short and out of range, plus a field the route
does not know. Every 422 that comes back must say what to enter, never pydantic's own wording.
"""

import re
import uuid
from typing import Any

import pytest

from tests import factories
from tests.api.test_access import MATRIX
from tests.api.test_security import PYDANTIC_WORDS

pytestmark = pytest.mark.anyio

# Pydantic's phrasing and type names, besides the words test_security already names.
RAW = re.compile(
    "|".join(
        [
            *map(re.escape, PYDANTIC_WORDS),
            r"Extra inputs",
            r"String should",
            r"List should",
            r"should be a valid",
            r"\b(?:int|float|str|bool|dict|list|UUID|datetime)_?(?:type|parsing)\b",
            r"pydantic",
            r"errors\.pydantic",
        ]
    )
)


def test_the_pattern_knows_pydantic_wording():
    for raw in (
        "Value error, Heart rate must be between 0 and 300",
        "Input should be a valid integer, unable to parse string as an integer",
        "String should have at most 2000 characters",
        "Extra inputs are not permitted",
    ):
        assert RAW.search(raw), raw


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    return resolve(spec, branches[0]) if len(branches) == 1 else schema


def wrong_values(prop: dict[str, Any]) -> list[Any]:
    kind = prop.get("type")
    values: list[Any] = [{"nested": True}]
    if kind in ("integer", "number"):
        values += ["fast", 1.5 if kind == "integer" else None]
        if "minimum" in prop:
            values.append(prop["minimum"] - 1)
        if "maximum" in prop:
            values.append(prop["maximum"] + 1)
    elif kind == "string":
        values.append(12345)
        if "maxLength" in prop:
            values.append("x" * (prop["maxLength"] + 1))
        if prop.get("minLength", 0) > 1:
            values.append("x")
        if prop.get("format") in ("date-time", "date", "uuid"):
            values.append("not a " + prop["format"])
        if "enum" in prop:
            values.append("no such choice")
    elif kind == "boolean":
        values.append("perhaps")
    elif kind == "array":
        values.append("not a list")
    return [v for v in values if v is not None]


def cases(spec: dict[str, Any]) -> list[tuple[str, str, Any]]:
    out: list[tuple[str, str, Any]] = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            media = op.get("requestBody", {}).get("content", {}).get("application/json")
            if not media:
                continue
            schema = resolve(spec, media["schema"])
            props = schema.get("properties", {})
            out.append((method.upper(), path, {}))
            out.append((method.upper(), path, {"no_such_field": 1}))
            out.append((method.upper(), path, []))
            for name, prop in props.items():
                for value in wrong_values(resolve(spec, prop)):
                    out.append((method.upper(), path, {name: value}))
    return out


async def test_every_validation_message_is_plain(staff, app):
    patient = await factories.patient(staff.nurse)
    s = await factories.session(staff.nurse, patient_id=patient["id"])
    ids = {"session_id": s["id"], "patient_id": patient["id"]}
    clients = {"nurse": staff.nurse, "physician": staff.physician, "admin": staff.admin}
    seen: dict[str, set[str]] = {}
    checked = 0
    for method, path, body in cases(app.openapi()):
        role = min(MATRIX.get((method, path), {"nurse"}))
        url = re.sub(r"\{(\w+)\}", lambda m: ids.get(m[1], str(uuid.uuid4())), path)
        answer = await clients[role].request(method, url, json=body)
        if answer.status_code != 422:
            continue
        for item in answer.json()["detail"]:
            checked += 1
            msg = item["msg"]
            where = f"{method} {path} {item['loc']}"
            assert isinstance(msg, str) and msg.strip(), where
            assert not RAW.search(msg), f"{where}: {msg!r}"
            assert "input" not in item, where
            seen.setdefault(msg, set()).add(where)
    # The walk really reached the routes: hundreds of messages, the nurse's reading among them.
    assert checked > 300, checked
    reading_msgs = {m for m, where in seen.items() if any("/readings/" in w for w in where)}
    assert "enter a whole number between 0 and 300 /min" in reading_msgs
    assert "use at most 2000 characters" in reading_msgs
