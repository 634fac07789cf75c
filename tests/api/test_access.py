"""Every route requires a login, and each role may do exactly what DESIGN §5 allows."""

import uuid

import pytest

pytestmark = pytest.mark.anyio

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("POST", "/api/auth/token"),
    ("POST", "/api/auth/login"),
}
# Patient mode: a questionnaire link's token, never a login (tests/courses/test_patient_mode.py).
CAPABILITY = {
    ("GET", "/api/patient-mode"),
    ("POST", "/api/patient-mode/responses"),
}
ALL = {"nurse", "physician", "admin"}
CLINICIANS = {"nurse", "physician"}
EXPORTERS = {"physician", "admin"}

# (method, path) → roles allowed. A new route fails the completeness test until it is listed.
MATRIX: dict[tuple[str, str], set[str]] = {
    ("GET", "/metrics"): {"admin"},
    ("GET", "/api/auth/me"): ALL,
    ("POST", "/api/auth/logout"): ALL,
    ("GET", "/api/client-config"): ALL,
    ("GET", "/api/users"): {"admin"},
    ("POST", "/api/users"): {"admin"},
    ("PATCH", "/api/users/{user_id}"): {"admin"},
    ("GET", "/api/auth/mfa"): ALL,
    ("POST", "/api/auth/mfa/enrol"): ALL,
    ("POST", "/api/auth/mfa/confirm"): ALL,
    ("POST", "/api/auth/mfa/recovery-codes"): ALL,
    ("POST", "/api/auth/mfa/remove"): ALL,
    ("DELETE", "/api/users/{user_id}/mfa"): {"admin"},
    ("GET", "/api/patients"): ALL,
    ("POST", "/api/patients"): CLINICIANS,
    ("GET", "/api/patients/{patient_id}"): ALL,
    ("GET", "/api/patients/{patient_id}/alert-rules"): ALL,
    ("PUT", "/api/patients/{patient_id}/alert-rules"): {"physician"},
    ("GET", "/api/sessions"): ALL,
    ("POST", "/api/sessions"): CLINICIANS,
    ("GET", "/api/sessions/{session_id}"): ALL,
    ("PATCH", "/api/sessions/{session_id}/checklist"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/transitions"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/notes"): CLINICIANS,
    ("GET", "/api/sessions/{session_id}/timeline"): ALL,
    ("GET", "/api/sessions/{session_id}/readings"): ALL,
    ("PUT", "/api/sessions/{session_id}/readings/{reading_id}"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/readings/{reading_id}/amend"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/readings/{reading_id}/entered-in-error"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/readings/{reading_id}/baseline"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/readings/{reading_id}/discarded"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/readings/review"): CLINICIANS,
    ("GET", "/api/alerts"): ALL,
    ("POST", "/api/alerts/{alert_id}/acknowledge"): CLINICIANS,
    ("GET", "/api/alert-rules"): ALL,
    ("PUT", "/api/alert-rules"): {"admin"},
    ("GET", "/api/audit"): {"admin"},
    ("GET", "/api/audit/verify"): {"admin"},
    ("GET", "/api/devices"): ALL,
    ("PUT", "/api/devices/{device_id}"): {"admin"},
    ("GET", "/api/devices/unmatched"): CLINICIANS,
    ("POST", "/api/devices/unmatched/{message_id}/assign"): CLINICIANS,
    ("POST", "/api/devices/unmatched/{message_id}/discard"): CLINICIANS,
    ("GET", "/api/protocols"): ALL,
    ("GET", "/api/protocols/{code}"): ALL,
    ("PUT", "/api/protocols/{code}"): {"admin"},
    ("POST", "/api/infusion/calculator"): ALL,
    ("GET", "/api/sessions/{session_id}/infusion"): ALL,
    ("PUT", "/api/sessions/{session_id}/infusion/order"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/infusion/verify"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/infusion/events"): CLINICIANS,
    ("GET", "/api/sessions/{session_id}/clinical"): ALL,
    ("GET", "/api/screening/questions"): ALL,
    ("GET", "/api/rems/sessions/{session_id}.pdf"): EXPORTERS,
    ("GET", "/api/rems/due"): {"admin"},
    ("POST", "/api/rems/sessions/{session_id}/submitted"): {"admin"},
    ("GET", "/api/sessions/{session_id}/screening"): ALL,
    ("POST", "/api/sessions/{session_id}/screening"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/screening/override"): {"physician"},
    ("POST", "/api/sessions/{session_id}/side-effects"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/side-effects/{side_effect_id}/outcomes"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/prn"): CLINICIANS,
    ("POST", "/api/sessions/{session_id}/assessments"): CLINICIANS,
    ("GET", "/api/scales"): ALL,
    ("POST", "/api/patients/{patient_id}/courses"): CLINICIANS,
    ("GET", "/api/patients/{patient_id}/courses"): ALL,
    ("GET", "/api/courses/{course_id}"): ALL,
    ("POST", "/api/courses/{course_id}/responses"): CLINICIANS,
    ("POST", "/api/courses/{course_id}/questionnaire-links"): CLINICIANS,
    ("GET", "/api/exports/courses/{course_id}.csv"): EXPORTERS,
    ("GET", "/api/exports/courses/{course_id}.fhir.json"): EXPORTERS,
    ("GET", "/api/exports/courses/{course_id}.pdf"): EXPORTERS,
    ("GET", "/api/exports/sessions/{session_id}.csv"): EXPORTERS,
    ("GET", "/api/exports/sessions/{session_id}.json"): EXPORTERS,
    ("GET", "/api/exports/sessions/{session_id}.events.csv"): EXPORTERS,
    ("GET", "/api/exports/sessions/{session_id}.fhir.json"): EXPORTERS,
    ("GET", "/api/exports/sessions/{session_id}.pdf"): EXPORTERS,
    ("GET", "/api/exports/sessions.csv"): EXPORTERS,
    ("GET", "/api/exports/sessions.fhir.ndjson"): EXPORTERS,
    ("GET", "/api/exports/audit.fhir.ndjson"): {"admin"},
    ("GET", "/api/sites"): ALL,
    ("GET", "/api/alert-rules/off"): ALL,
    ("POST", "/api/sites"): {"admin"},
    ("PATCH", "/api/sites/{site_id}"): {"admin"},
    ("POST", "/api/sites/{site_id}/chairs"): {"admin"},
    ("PATCH", "/api/chairs/{chair_id}"): {"admin"},
    ("GET", "/api/sites/{site_id}/members"): {"admin"},
    ("PUT", "/api/sites/{site_id}/members/{user_id}"): {"admin"},
    ("DELETE", "/api/sites/{site_id}/members/{user_id}"): {"admin"},
    ("POST", "/api/controlled/receipts"): ALL,
    ("GET", "/api/controlled/sites/{site_id}/containers"): ALL,
    ("GET", "/api/controlled/containers/{container_id}/log"): ALL,
    ("GET", "/api/controlled/sites/{site_id}/log"): ALL,
    ("POST", "/api/controlled/draws"): CLINICIANS,
    ("POST", "/api/controlled/draws/{entry_id}/waste"): CLINICIANS,
    ("POST", "/api/controlled/containers/{container_id}/losses"): ALL,
    ("POST", "/api/controlled/containers/{container_id}/destruction"): EXPORTERS,
    ("POST", "/api/controlled/counts"): ALL,
    ("GET", "/api/controlled/sites/{site_id}/discrepancies"): ALL,
    ("POST", "/api/controlled/discrepancies/{entry_id}/resolution"): {"admin"},
    ("POST", "/api/controlled/entries/{entry_id}/corrections"): ALL,
    ("GET", "/api/controlled/sites/{site_id}/verify"): {"admin"},
    ("GET", "/api/controlled/sites/{site_id}/log.csv"): {"admin"},
    ("GET", "/api/controlled/sites/{site_id}/dispensing.csv"): {"admin"},
    ("GET", "/api/controlled/sites/{site_id}/inventory.pdf"): {"admin"},
    ("GET", "/api/controlled/sites/{site_id}/inventory.csv"): {"admin"},
    ("GET", "/api/controlled/sites/{site_id}/log.pdf"): {"admin"},
    ("GET", "/api/controlled/containers/{container_id}/log.pdf"): {"admin"},
    ("GET", "/api/controlled/sites/{site_id}/witnesses"): ALL,
    ("GET", "/api/controlled/acts"): ALL,
    ("GET", "/api/controlled/roles"): ALL,
    ("PUT", "/api/controlled/roles"): {"admin"},
}


def operations(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    spec = app.openapi()
    return sorted(
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


def fill(path: str) -> str:
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + str(uuid.uuid4()) + path[end + 1 :]
    return path


async def test_every_route_is_classified(app):
    missing = [
        op for op in operations(app) if op not in MATRIX | dict.fromkeys(PUBLIC | CAPABILITY)
    ]
    assert missing == []


async def test_every_route_needs_login(app, anon):
    for method, path in operations(app):
        if (method, path) in PUBLIC:
            continue
        answer = await anon.request(method, fill(path), json={} if method != "GET" else None)
        assert answer.status_code == 401, (method, path, answer.status_code)
        if (method, path) in CAPABILITY:
            assert "not in patient mode" in answer.json()["detail"]
        else:
            assert answer.json()["detail"] == "Please sign in."


@pytest.mark.parametrize("role", sorted(ALL))
async def test_role_matrix(app, staff, role):
    client = getattr(staff, role)
    for method, path in operations(app):
        if (method, path) in PUBLIC or path == "/api/auth/logout":
            continue
        answer = await client.request(method, fill(path), json={} if method != "GET" else None)
        if (method, path) in CAPABILITY:
            # A staff login is not the patient-mode capability.
            assert answer.status_code == 401, (role, method, path, answer.status_code)
            continue
        allowed = role in MATRIX[(method, path)]
        if allowed:
            assert answer.status_code not in (401, 403), (role, method, path, answer.text)
        else:
            assert answer.status_code == 403, (role, method, path, answer.status_code)
            assert f"Your role ({role})" in answer.json()["detail"]
