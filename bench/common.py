"""Shared plumbing: servers as subprocesses, throwaway databases, seeding through the API, stats.

Everything talks to 127.0.0.1 only. Servers are started exactly as an operator would
(`vigil serve`, from this virtualenv, so `Popen.pid` is the server process itself and its RSS can
be read from /proc), each on a fresh SQLite file or a fresh PostgreSQL database that is dropped
afterwards.
"""

import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from app.demo import clear_screening

HOST = "127.0.0.1"
PG_ADMIN_URL = os.environ.get(
    "VIGIL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PASSWORD = "bench-password-0123"  # noqa: S105  (a throwaway account on a throwaway database)
VENV_BIN = Path(sys.executable).parent


# ---------------------------------------------------------------------------------------------
# Statistics


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Latencies:
    """Seconds in, milliseconds out."""

    samples: list[float] = field(default_factory=list)

    def p(self, q: float) -> float:
        return percentile(self.samples, q) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.samples) * 1000 if self.samples else float("nan")

    def brief(self) -> str:
        return (
            f"p50 {self.p(50):7.1f} ms  p99 {self.p(99):7.1f} ms  max {self.max_ms:7.1f} ms  "
            f"(n={len(self.samples)})"
        )


@dataclass
class Figure:
    """One line of the final summary."""

    bench: str
    name: str
    value: float
    unit: str
    goal: str = ""
    met: bool | None = None

    def line(self) -> str:
        verdict = {None: "", True: "ok", False: "MISS"}[self.met]
        shown = f"{self.value:,.3f}" if abs(self.value) < 10 else f"{self.value:,.1f}"
        return (
            f"{self.bench:<12} {self.name:<46} {shown:>10} {self.unit:<4} {self.goal:<8} {verdict}"
        )


def header(title: str) -> None:
    print(f"\n=== {title} " + "=" * max(0, 90 - len(title)), flush=True)


# ---------------------------------------------------------------------------------------------
# Databases


@contextmanager
def sqlite_url() -> Iterator[str]:
    directory = tempfile.mkdtemp(prefix="vigil-bench-")
    try:
        yield f"sqlite+aiosqlite:///{directory}/vigil.db"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def _pg_admin(statement: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def postgres_available() -> bool:
    try:
        asyncio.run(_pg_admin("SELECT 1"))
    except (OSError, Exception):  # any failure means: skip the PostgreSQL figures
        return False
    return True


@contextmanager
def postgres_url() -> Iterator[str]:
    name = f"vigil_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# ---------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(
        VIGIL_DATABASE_URL=database_url,
        VIGIL_LOG_LEVEL="WARNING",
        VIGIL_ENV="development",
        VIGIL_FRONTEND_DIST=str(Path(tempfile.gettempdir()) / "vigil-bench-no-frontend"),
    )
    env.update(extra)
    return env


def create_users(database_url: str, roles: Sequence[str] = ("nurse", "physician", "admin")) -> None:
    """`vigil create-user` for each role (username = role), as an operator would."""
    for role in roles:
        subprocess.run(
            [
                *(str(VENV_BIN / "vigil"), "create-user", "--username", role, "--role", role),
                *("--password", PASSWORD),
            ],
            env=server_env(database_url),
            check=True,
            stdout=subprocess.DEVNULL,
        )


class Server:
    """A server subprocess listening on 127.0.0.1:port, stopped (SIGINT, then kill) on exit."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int, name: str) -> None:
        self.port = port
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"vigil-bench-{name}-", suffix=".log")  # noqa: SIM115
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://{HOST}:{port}"
        self._wait_ready()

    # Generous: on a 2-core machine shared with other work a server has taken over a minute.
    def _wait_ready(self, deadline: float = 240) -> None:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited:\n{self.output()}")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} server did not start:\n{self.output()}")

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(2)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def vigil_server(database_url: str, *, workers: int = 1, **env: str) -> Server:
    port = free_port()
    argv = [str(VENV_BIN / "vigil"), "serve", "--host", HOST, "--port", str(port)]
    if workers > 1:
        argv += ["--workers", str(workers)]
    return Server(argv, server_env(database_url, **env), port, f"vigil-w{workers}")


def bare_server() -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "bench.bare", "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    return Server(argv, env, port, "bare")


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field_name} for pid {pid}")


def reset_peak_rss(pid: int) -> None:
    """Reset VmHWM (Linux >= 4.0), so the next reading is the peak from now on."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


# ---------------------------------------------------------------------------------------------
# Seeding through the API


@dataclass
class Clinic:
    url: str
    nurse_token: str
    physician_token: str
    session_ids: list[str]


def token(url: str, username: str) -> str:
    answer = httpx.post(
        f"{url}/api/auth/token", data={"username": username, "password": PASSWORD}, timeout=30
    )
    answer.raise_for_status()
    value: str = answer.json()["access_token"]
    return value


def reading_body(rng: random.Random, *, abnormal: float = 0.1) -> dict[str, Any]:
    """Plausible vitals; a fraction breach a medium limit (HR, SBP or SpO2) so alerts churn."""
    body: dict[str, Any] = {
        "taken_at": datetime.now(UTC).isoformat(),
        "heart_rate": rng.randint(62, 95),
        "systolic": rng.randint(112, 138),
        "diastolic": rng.randint(68, 84),
        "spo2": rng.randint(95, 99),
        "respiratory_rate": rng.randint(12, 18),
    }
    if rng.random() < abnormal:
        kind = rng.choice(("heart_rate", "systolic", "spo2"))
        body[kind] = {"heart_rate": 115, "systolic": 165, "spo2": 92}[kind]
    return body


async def _chairs(url: str, chairs: int, admin: str) -> list[str]:
    """`chairs` new chairs in the clinic's (first) site, made by the admin."""
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {admin}"}, timeout=60
    ) as client:
        site = (await client.get("/api/sites")).raise_for_status().json()[0]
        ids = []
        for _ in range(chairs):
            name = f"Bench chair {uuid.uuid4().hex[:8]}"
            answer = await client.post(f"/api/sites/{site['id']}/chairs", json={"name": name})
            ids.append(str(answer.raise_for_status().json()["id"]))
        return ids


async def _seed(url: str, chairs: int, nurse: str, admin: str) -> list[str]:
    headers = {"Authorization": f"Bearer {nurse}"}
    rng = random.Random(chairs)
    chair_ids = await _chairs(url, chairs, admin)
    limits = httpx.Limits(max_connections=8)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=60, limits=limits
    ) as client:

        async def one(i: int) -> str:
            patient = await client.post(
                "/api/patients",
                json={
                    "mrn": f"BENCH-{uuid.uuid4().hex[:12]}",
                    "full_name": f"Bench Patient {i:04d}",
                    "date_of_birth": date(1960 + i % 40, 1 + i % 12, 1 + i % 28).isoformat(),
                },
            )
            patient.raise_for_status()
            s = await client.post(
                "/api/sessions",
                json={
                    "patient_id": patient.json()["id"],
                    "chair_id": chair_ids[i],
                    "weight_kg": 60 + i % 40,
                    "dose_mg_per_kg": 0.5,
                },
            )
            s.raise_for_status()
            sid: str = s.json()["id"]
            checklist = {
                "identity_checked": True,
                "consent_signed": True,
                "fasting_confirmed": True,
                "escort_confirmed": True,
            }
            (
                await client.patch(f"/api/sessions/{sid}/checklist", json=checklist)
            ).raise_for_status()
            screening = clear_screening(
                escort_name="Bench Escort", escort_phone="+1 555 0100", fasted_hours=6
            )
            (await client.post(f"/api/sessions/{sid}/screening", json=screening)).raise_for_status()
            baseline = reading_body(rng, abnormal=0)
            put = await client.put(f"/api/sessions/{sid}/readings/{uuid.uuid4()}", json=baseline)
            put.raise_for_status()
            start = await client.post(f"/api/sessions/{sid}/transitions", json={"to": "infusion"})
            start.raise_for_status()
            return sid

        sem = asyncio.Semaphore(8)

        async def bounded(i: int) -> str:
            async with sem:
                return await one(i)

        return list(await asyncio.gather(*(bounded(i) for i in range(chairs))))


def seed_clinic(url: str, chairs: int) -> Clinic:
    """Patients and sessions in `chairs` chairs, each with a baseline and its infusion started."""
    nurse = token(url, "nurse")
    physician = token(url, "physician")
    sessions = asyncio.run(_seed(url, chairs, nurse, token(url, "admin")))
    return Clinic(url, nurse, physician, sessions)
