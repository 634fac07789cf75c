"""Streamed range exports over HTTP (small data) and through the CLI."""

import csv
import io
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest

pytestmark = pytest.mark.anyio


def last_hour() -> dict[str, str]:
    now = datetime.now(UTC)
    return {"from": (now - timedelta(hours=1)).isoformat(), "to": now.isoformat()}


async def test_range_csv(staff, story):
    answer = await staff.physician.get("/api/exports/sessions.csv", params=last_hour())
    assert answer.status_code == 200, answer.text
    assert answer.headers["x-total-count"] == "6"
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert sorted(r["reading_id"] for r in rows) == sorted(story.readings.values())
    keys = [(r["taken_at"], r["reading_id"]) for r in rows]
    assert keys == sorted(keys)
    audit = (await staff.admin.get("/api/audit", params={"action": "export"})).json()
    assert audit[0]["target_type"] == "readings"
    site = (await staff.physician.get("/api/sites")).json()[0]["id"]
    assert audit[0]["details"] | {"from": None, "to": None} == {
        "format": "csv",
        "from": None,
        "to": None,
        "sites": [site],  # the physician's own
        "rows": 6,
    }


async def test_empty_range_still_has_a_header(staff):
    answer = await staff.physician.get("/api/exports/sessions.csv", params=last_hour())
    assert answer.status_code == 200
    assert answer.headers["x-total-count"] == "0"
    assert answer.text.splitlines()[0].startswith("session_id,mrn,reading_id,taken_at")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"from": "2026-01-02T00:00:00+00:00"},
        {"from": "2026-01-02T00:00:00", "to": "2026-01-03T00:00:00"},  # no offset
        {"from": "2026-01-03T00:00:00+00:00", "to": "2026-01-02T00:00:00+00:00"},
        {"from": "2026-01-02T00:00:00+00:00", "to": "2026-01-02T00:00:00+00:00"},
        {"from": "yesterday", "to": "2026-01-02T00:00:00+00:00"},
    ],
)
@pytest.mark.parametrize("path", ["sessions.csv", "sessions.fhir.ndjson", "audit.fhir.ndjson"])
async def test_bad_ranges_are_422(staff, params, path):
    answer = await staff.admin.get(f"/api/exports/{path}", params=params)
    assert answer.status_code == 422, answer.text


async def test_nurse_may_not_export_ranges(staff):
    for path in ("sessions.csv", "sessions.fhir.ndjson", "audit.fhir.ndjson"):
        answer = await staff.nurse.get(f"/api/exports/{path}", params=last_hour())
        assert answer.status_code == 403


async def test_cli_export(staff, story, settings, tmp_path: Path):
    vigil = str(Path(sys.executable).parent / "vigil")
    env = {**os.environ, "VIGIL_DATABASE_URL": settings.database_url, "VIGIL_ENV": "test"}
    sid = story.session_id
    for fmt in ("csv", "json", "fhir", "pdf"):
        out = tmp_path / f"session.{fmt}"
        await anyio.run_process(
            [vigil, "export", "--session", sid, "--format", fmt, "-o", str(out)], env=env
        )
        assert out.stat().st_size > 200
    assert (tmp_path / "session.pdf").read_bytes().startswith(b"%PDF-")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "session.csv").read_text())))
    assert len(rows) == 6
    out = tmp_path / "range.csv"
    span = last_hour()
    done = await anyio.run_process(
        [
            vigil,
            "export",
            "--from",
            span["from"],
            "--to",
            span["to"],
            "--format",
            "csv",
            "-o",
            str(out),
        ],
        env=env,
    )
    assert b"Exported 6 readings." in done.stderr
    assert len(list(csv.DictReader(io.StringIO(out.read_text())))) == 6
    bad = await anyio.run_process(
        [vigil, "export", "--from", span["to"], "--to", span["from"], "--format", "csv"],
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and b"earlier" in bad.stderr
    audit = (await staff.admin.get("/api/audit", params={"user": "cli"})).json()
    assert [row["details"]["format"] for row in reversed(audit)] == [
        "csv",
        "json",
        "fhir",
        "pdf",
        "csv",
    ]
    assert all(row["action"] == "export" for row in audit)
