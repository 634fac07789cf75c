"""Schemathesis against a real `vigil serve`: every operation of /openapi.json, as each role, with
valid (positive) and invalid (negative) generated requests. No answer may be a 5xx, and every
answer must match the schema the OpenAPI document declares for its status.

Path ids are either generated or, half of the time, the ids of seeded objects (a patient, a
session with readings, a high alert, a user), so requests reach real rows, not only 404s.

Left out: `POST /api/auth/logout` (it would end the fuzzer's own login; its behaviour is covered in
tests/api/test_auth.py and test_access.py). The websocket `/api/live` is not an OpenAPI operation.
The streamed exports are fuzzed like any other GET (the client reads them to the end).
"""

import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests import factories
from tests.reliability.conftest import ROLES, VigilServer

EXAMPLES = int(os.environ.get("VIGIL_FUZZ_EXAMPLES", "15"))
# Per database: SQLite and PostgreSQL each run, so a CI run sends at least twice this many.
MIN_REQUESTS = int(os.environ.get("VIGIL_FUZZ_MIN_REQUESTS", "2500"))
EXCLUDED = {("POST", "/api/auth/logout")}
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def seed(server: VigilServer, user_ids: dict[str, uuid.UUID]) -> dict[str, str]:
    """Objects for path ids: made through the API like a nurse at the chair would."""
    headers = {"Authorization": f"Bearer {server.token('nurse')}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as c:
        p = c.post(
            "/api/patients",
            json={"mrn": "FUZZ-1", "full_name": "Fuzz Target", "date_of_birth": "1980-01-01"},
        ).json()
        s = c.post(
            "/api/sessions",
            json={
                "patient_id": p["id"],
                "chair_id": next(chair["id"] for chair in c.get("/api/sites").json()[0]["chairs"]),
                "weight_kg": 70,
                "dose_mg_per_kg": 1,
            },
        ).json()
        assert c.patch(f"/api/sessions/{s['id']}/checklist", json=factories.CHECKLIST).is_success
        form = factories.screening_form()
        assert c.post(f"/api/sessions/{s['id']}/screening", json=form).is_success
        reading_id = str(uuid.uuid4())
        first = c.put(f"/api/sessions/{s['id']}/readings/{reading_id}", json=factories.vitals())
        assert first.status_code == 201, first.text
        high = c.put(
            f"/api/sessions/{s['id']}/readings/{uuid.uuid4()}",
            json=factories.vitals(systolic=190, diastolic=95),
        )
        assert high.status_code == 201, high.text
        alerts = high.json()["alerts"]
        assert alerts, high.text
    return {
        "patient_id": p["id"],
        "session_id": s["id"],
        "reading_id": reading_id,
        "alert_id": alerts[0]["id"],
        "user_id": str(user_ids["victim"]),
    }


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    http: requests.Session,
    base_url: str,
    ids: dict[str, str],
    tally: Tally,
    role: str,
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
    def run(case: Any, real: bool) -> None:
        if real and case.path_parameters:
            for name in case.path_parameters:
                if name in ids:
                    case.path_parameters[name] = ids[name]
        tally.requests += 1
        try:
            response = case.call(base_url=base_url, session=http, timeout=30)
        except requests.RequestException as exc:  # no answer at all is a failure too
            tally.failures.setdefault((operation.label, "no answer"), f"{role}: {exc!r}")
            return
        tally.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:  # schemathesis raises a failure group: recorded, not shrunk
            key = (operation.label, f"{response.status_code}")
            tally.failures.setdefault(key, f"{role} {mode.value}: {str(exc)[:1500]}")

    try:
        run()
    except Exception as exc:
        # e.g. an operation without parameters has no negative form: nothing to send.
        if "Unsatisfiable" not in type(exc).__name__:
            tally.errors.append(f"{operation.label} {mode.value} as {role}: {exc!r}"[:500])


def test_fuzz_every_operation_as_every_role(server, user_ids):
    ids = seed(server, user_ids)
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    tally = Tally()
    for role in ROLES:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {server.token(role)}"
        for result in schema.get_all_operations():
            operation = result.ok()
            if (operation.method.upper(), operation.path) in EXCLUDED:
                continue
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzz_operation(operation, mode, http, server.base_url, ids, tally, role)
        # The login survived the whole run (no fuzzed request ended it).
        assert http.get(f"{server.base_url}/api/auth/me").status_code == 200
        http.close()
    summary = f"{tally.requests} requests; statuses {dict(sorted(tally.statuses.items()))}"
    print(summary)
    report = "\n\n".join(
        f"{op} → {status}:\n{text}" for (op, status), text in tally.failures.items()
    )
    assert not tally.failures, f"{summary}\n{report}"
    assert not tally.errors, "\n".join(tally.errors)
    assert not [s for s in tally.statuses if s >= 500], summary
    assert tally.requests >= MIN_REQUESTS, summary
