"""4. Export: N readings streamed as CSV and as FHIR NDJSON through the range routes.

Rows go in with bulk SQL (sqlite3 executemany / asyncpg COPY), not through the API, spread over
the seeded sessions, `taken_at` one second apart from 2025-01-01. The download is timed from the
request to the last byte; the server's peak RSS (VmHWM, reset just before) is read from /proc.
"""

import asyncio
import contextlib
import os
import random
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect

import app.main  # noqa: F401  (every model, so foreign-key columns have their types)
from app.vitals.models import Reading
from bench.common import (
    VENV_BIN,
    Clinic,
    Figure,
    Server,
    reset_peak_rss,
    rss_kib,
    server_env,
)

START = datetime(2025, 1, 1, tzinfo=UTC)
COLUMNS = [c.name for c in Reading.__table__.columns]


def rows(n: int, sessions: list[uuid.UUID], user: uuid.UUID) -> Iterator[dict[str, Any]]:
    rng = random.Random(n)
    for i in range(n):
        taken = START + timedelta(seconds=i)
        yield {
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "session_id": sessions[i % len(sessions)],
            "body_hash": "0" * 64,
            "taken_at": taken,
            "recorded_at": taken + timedelta(seconds=3),
            "recorded_by": user,
            "phase": "infusion",
            "heart_rate": rng.randint(55, 120),
            "systolic": rng.randint(100, 170),
            "diastolic": rng.randint(60, 95),
            "spo2": rng.randint(91, 100),
            "respiratory_rate": rng.randint(10, 22),
            "temperature_c": None,
            "on_oxygen": None,
            "consciousness": None,
            "sedation_rass": None,
            "dissociation_cadss6": None,
            "note": None,
            "amends": None,
            "amend_reason": None,
        }


def insert_sqlite(path: str, n: int, sessions: list[str], user: str) -> None:
    # Stored exactly as the server stores them: every value through its column type's own
    # bind processor (UUIDs as 32 hex digits, datetimes in SQLite's text form).
    dialect = aiosqlite_dialect()
    to_db = {
        name: process
        for name in COLUMNS
        if (process := Reading.__table__.c[name].type.bind_processor(dialect)) is not None
    }
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    placeholders = ", ".join("?" for _ in COLUMNS)
    sql = f"INSERT INTO reading ({', '.join(COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
    sids = [uuid.UUID(s) for s in sessions]
    batch: list[tuple[Any, ...]] = []

    def flush() -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
        batch.clear()

    for row in rows(n, sids, uuid.UUID(user)):
        for name, process in to_db.items():
            row[name] = process(row[name])
        batch.append(tuple(row[c] for c in COLUMNS))
        if len(batch) >= 50_000:
            flush()
    if batch:
        flush()
    conn.close()


async def insert_postgres(dsn: str, n: int, sessions: list[str], user: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(dsn)
    try:
        records = (
            tuple(r[c] for c in COLUMNS)
            for r in rows(n, [uuid.UUID(s) for s in sessions], uuid.UUID(user))
        )
        chunk: list[tuple[Any, ...]] = []
        for record in records:
            chunk.append(record)
            if len(chunk) >= 50_000:
                await conn.copy_records_to_table("reading", records=chunk, columns=COLUMNS)
                chunk = []
        if chunk:
            await conn.copy_records_to_table("reading", records=chunk, columns=COLUMNS)
        await conn.execute("ANALYZE reading")
    finally:
        await conn.close()


def user_id(server: Server, token: str) -> str:
    me = httpx.get(f"{server.url}/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    me.raise_for_status()
    value: str = me.json()["id"]
    return value


def load(database_url: str, n: int, clinic: Clinic, server: Server) -> float:
    """Insert n readings; returns the seconds it took."""
    user = user_id(server, clinic.nurse_token)
    started = time.perf_counter()
    if database_url.startswith("sqlite"):
        insert_sqlite(database_url.split("///", 1)[1], n, clinic.session_ids, user)
    else:
        dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        asyncio.run(insert_postgres(dsn, n, clinic.session_ids, user))
    return time.perf_counter() - started


def download(server: Server, token: str, path: str, rows: int) -> tuple[float, int, int, int, int]:
    """The first `rows` readings: seconds, bytes, lines, server RSS before and peak (KiB)."""
    params = {"from": START.isoformat(), "to": (START + timedelta(seconds=rows)).isoformat()}
    reset_peak_rss(server.pid)
    before = rss_kib(server.pid)
    size = lines = 0
    started = time.perf_counter()
    with httpx.stream(
        "GET",
        f"{server.url}{path}",
        params=params,
        timeout=600,
        headers={"Authorization": f"Bearer {token}"},
    ) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_raw(1 << 20):
            size += len(chunk)
            lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    return elapsed, size, lines, before, rss_kib(server.pid, "VmHWM")


def cli_export(
    database_url: str, fmt: str, rows: int, limit: float
) -> tuple[float, int, int, int, int]:
    """`vigil export --from --to` of the first `rows` readings to a file: seconds, bytes, lines,
    0 and the peak RSS (KiB) of the exporting process. Stopped after `limit` seconds."""
    with tempfile.TemporaryDirectory(prefix="vigil-bench-export-") as directory:
        out = Path(directory) / "export.out"
        argv = [str(VENV_BIN / "vigil"), "export", "--format", fmt, "--output", str(out)]
        argv += ["--from", START.isoformat(), "--to", (START + timedelta(seconds=rows)).isoformat()]
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=server_env(database_url), stderr=subprocess.DEVNULL)
        # The child's own high-water mark, read while it runs: its rusage peak would include
        # the memory of this process, copied into it by the fork before the exec.
        peak = 0
        while True:
            with contextlib.suppress(OSError, RuntimeError):  # gone, or a zombie already
                peak = rss_kib(proc.pid, "VmHWM") or peak
            pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > limit:
                proc.kill()
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        size = out.stat().st_size if out.exists() else 0
        lines = 0
        if size:
            with out.open("rb") as data:
                lines = sum(chunk.count(b"\n") for chunk in iter(lambda: data.read(1 << 20), b""))
        if proc.returncode:
            print(f"  stopped after {elapsed:.0f} s (limit), {lines:,} lines written", flush=True)
        return elapsed, size, lines, 0, peak


def run(
    label: str,
    database_url: str,
    server: Server,
    clinic: Clinic,
    n: int,
    *,
    fhir_rows: int,
    via_cli: bool,
    limit: float = 180,
) -> list[Figure]:
    """CSV of all n readings and FHIR NDJSON of the first `fhir_rows` (FHIR is much slower; its
    1,000,000-row time is extrapolated). `via_cli`: `vigil export` instead of HTTP (README)."""
    loaded = load(database_url, n, clinic, server)
    print(f"{label}: inserted {n:,} readings with bulk SQL in {loaded:.1f} s", flush=True)
    if via_cli:
        label = f"{label} CLI"
        print(f"{label}: exported with `vigil export --from --to`, not HTTP", flush=True)
    figures: list[Figure] = []
    for fmt, path, rows in (
        ("CSV", "/api/exports/sessions.csv", n),
        ("FHIR", "/api/exports/sessions.fhir.ndjson", fhir_rows),
    ):
        if via_cli:
            seconds, size, lines, before, peak = cli_export(
                database_url, "csv" if fmt == "CSV" else "fhir", rows, limit
            )
            # A stopped export: judge it on the rows it wrote (CSV: one line per reading).
            rows = min(rows, max(lines - 1, 1)) if fmt == "CSV" else rows
        else:
            seconds, size, lines, before, peak = download(
                server, clinic.physician_token, path, rows
            )
        where = "exporting process" if via_cli else "server"
        print(
            f"{label} {fmt:<4}: {seconds:6.1f} s for {rows:,} readings ({lines:,} lines, "
            f"{size / 1e6:.0f} MB, {rows / seconds:,.0f} readings/s); {where} RSS "
            f"{before / 1024:.0f} MiB before, peak {peak / 1024:.0f} MiB",
            flush=True,
        )
        per_million = seconds * 1_000_000 / rows
        peak_mb = peak * 1.024 / 1000
        figures += [
            Figure("export", f"{label} {fmt}: readings/s", rows / seconds, "/s"),
            Figure(
                "export",
                f"{label} {fmt}: 1M readings (extrapolated)"
                if rows < 1_000_000
                else f"{label} {fmt}: 1M readings",
                per_million,
                "s",
                "<= 20" if fmt == "CSV" else "",
                per_million <= 20 if fmt == "CSV" else None,
            ),
            Figure(
                "export",
                f"{label} {fmt}: peak RSS ({where})",
                peak_mb,
                "MB",
                "<= 150",
                peak_mb <= 150,
            ),
        ]
    return figures
