"""Exports filtered by site: a user exports only the sites they work at, one of them on request."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests import factories
from tests.api.test_sites import new_site
from tests.conftest import bearer_client, create_user

pytestmark = pytest.mark.anyio


def last_hour(**extra: str) -> dict[str, str]:
    now = datetime.now(UTC)
    return {"from": (now - timedelta(hours=1)).isoformat(), "to": now.isoformat(), **extra}


async def session_ids(client: httpx.AsyncClient, path: str, **params: str) -> set[str]:
    answer = await client.get(f"/api/exports/{path}", params=last_hour(**params))
    assert answer.status_code == 200, answer.text
    if path.endswith(".csv"):
        return {row["session_id"] for row in csv.DictReader(io.StringIO(answer.text))}
    # Observation.subject is the patient; the session is the encounter.
    lines = [line for line in answer.text.splitlines() if line]
    return {json.loads(line)["encounter"]["reference"].split("/")[-1] for line in lines}


async def charted(client: httpx.AsyncClient, **where: Any) -> str:
    s = await factories.session(client, **where)
    for systolic in (120, 124):
        answer = await factories.put_reading(client, s["id"], systolic=systolic)
        assert answer.status_code == 201, answer.text
    return str(s["id"])


async def test_exports_filter_by_site_and_keep_to_the_users_sites(app, staff, password_hash):
    north = await new_site(staff.admin, "North", ["N1"])
    joined = await staff.admin.put(f"/api/sites/{north['id']}/members/{staff.ids['physician']}")
    assert joined.status_code == 204
    at_north = await charted(staff.physician, chair_id=north["chairs"][0]["id"])
    at_main = await charted(staff.nurse)
    main_id = (await staff.nurse.get("/api/sites")).json()[0]["id"]
    # A second physician who works at the main site only.
    other = await bearer_client(app, await create_user(app, "dr2", "physician", password_hash))
    try:
        for path in ("sessions.csv", "sessions.fhir.ndjson"):
            assert await session_ids(staff.physician, path) == {at_north, at_main}
            assert await session_ids(staff.physician, path, site_id=north["id"]) == {at_north}
            assert await session_ids(staff.physician, path, site_id=main_id) == {at_main}
            assert await session_ids(staff.admin, path) == {at_north, at_main}
            assert await session_ids(staff.admin, path, site_id=north["id"]) == {at_north}
            # Not asked for, not given: the other physician's exports leave North out.
            assert await session_ids(other, path) == {at_main}
            refused = await other.get(f"/api/exports/{path}", params=last_hour(site_id=north["id"]))
            assert refused.status_code == 404
            assert refused.json()["detail"] == "No site with that id among yours."
        counted = await other.get("/api/exports/sessions.csv", params=last_hour())
        assert counted.headers["x-total-count"] == "2"
        for suffix in ("pdf", "csv", "json", "fhir.json", "events.csv"):
            hidden = await other.get(f"/api/exports/sessions/{at_north}.{suffix}")
            assert hidden.status_code == 404, suffix
            shown = await staff.physician.get(f"/api/exports/sessions/{at_north}.{suffix}")
            assert shown.status_code == 200, suffix
    finally:
        await other.aclose()
    audit = (await staff.admin.get("/api/audit", params={"action": "export", "limit": 100})).json()
    ranges = [row["details"] for row in audit if row["target_type"] == "readings"]
    # Each range export says which sites it covered; an admin's unfiltered one: every site.
    assert {"format": "csv", "sites": [north["id"]], "rows": 2} in [
        {k: d.get(k) for k in ("format", "sites", "rows")} for d in ranges
    ]
    assert any("sites" not in d for d in ranges)
