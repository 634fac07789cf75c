"""1. Ingest: PUT /api/sessions/{sid}/readings/{uuid}, closed loop (throughput) and paced (latency).

Every PUT is a new reading (fresh UUID) for one of the seeded chairs, round robin; one in ten
breaches a medium limit, so alerts are raised, updated and resolved as in a clinic. The same
closed loop against `bench.bare` (same route, same uvicorn settings, no work) is the baseline.
"""

from typing import Any

from bench import loadgen
from bench.common import Clinic, Figure, Latencies, Server

NAME = "ingest"
CONCURRENCY = 16  # connections in the closed loop (a clinic's tablets, many chairs at once)
PACED_RATE = 200.0


def closed_loop(
    server: Server, token: str, sessions: list[str], seconds: float, pg: bool
) -> dict[str, Any]:
    params = loadgen.IngestParams(
        server.port,
        token,
        sessions,
        server.pid,
        seconds,
        warmup=1.0,
        concurrency=CONCURRENCY,
        postgres=pg,
    )
    return loadgen.in_child(loadgen.ingest, params)


def paced(server: Server, clinic: Clinic, seconds: float, pg: bool) -> dict[str, Any]:
    params = loadgen.IngestParams(
        server.port,
        clinic.nurse_token,
        clinic.session_ids,
        server.pid,
        seconds,
        warmup=0.5,
        rate=PACED_RATE,
        postgres=pg,
        grace=min(5.0, seconds),
    )
    return loadgen.in_child(loadgen.ingest, params)


def rate_of(result: dict[str, Any]) -> float:
    return float(result["count"]) / float(result["elapsed"])


def describe(label: str, result: dict[str, Any]) -> str:
    lat = Latencies(result["latencies"])
    count = result["count"]
    cpu_ms = 1000 * result["server_cpu"] / max(count, 1)
    pg_ms = 1000 * result["postgres_cpu"] / max(count, 1)
    extra = f" + postgres {pg_ms:.2f}" if result["postgres_cpu"] else ""
    abandoned = len(result.get("abandoned", []))
    return (
        f"{label:<26} {rate_of(result):8.1f} readings/s  {lat.brief()}\n"
        f"{'':<26} statuses {result['statuses']}  abandoned {abandoned}  "
        f"server CPU {cpu_ms:.2f} ms/reading{extra}  generator CPU "
        f"{100 * result['generator_cpu'] / result['elapsed']:.0f}% of a core"
    )


def cpu_per_request(result: dict[str, Any]) -> float:
    """Milliseconds of server CPU per answered request."""
    return 1000 * result["server_cpu"] / max(result["count"], 1)


def bare(server: Server, seconds: float) -> dict[str, Any]:
    result = closed_loop(server, "unused", ["00000000-0000-0000-0000-000000000000"], seconds, False)
    print(describe("bare FastAPI endpoint", result), flush=True)
    return result


def run_backend(
    backend: str, server: Server, clinic: Clinic, bare_result: dict[str, Any], seconds: float
) -> list[Figure]:
    pg = backend == "postgres"
    closed = closed_loop(server, clinic.nurse_token, clinic.session_ids, seconds, pg)
    print(describe(f"vigil {backend} closed loop", closed), flush=True)
    ratio = rate_of(closed) / rate_of(bare_result)
    print(f"{'':<26} ratio to the bare endpoint: {ratio:.3f}", flush=True)
    steady = paced(server, clinic, seconds, pg)
    print(describe(f"vigil {backend} paced {PACED_RATE:.0f}/s", steady), flush=True)
    p99_paced = Latencies(steady["latencies"] + steady["abandoned"]).p(99)
    figures = [
        Figure(
            NAME,
            f"{backend}: readings/s (closed, c={CONCURRENCY})",
            rate_of(closed),
            "/s",
            ">= 1000" if backend == "sqlite" else "",
            rate_of(closed) >= 1000 if backend == "sqlite" else None,
        ),
        Figure(NAME, f"{backend}: ratio to bare endpoint", ratio, "x", ">= 0.5", ratio >= 0.5),
        Figure(NAME, f"{backend}: p50 closed", Latencies(closed["latencies"]).p(50), "ms"),
        Figure(NAME, f"{backend}: p99 closed", Latencies(closed["latencies"]).p(99), "ms"),
        Figure(NAME, f"{backend}: server CPU per reading", cpu_per_request(closed), "ms"),
        Figure(
            NAME,
            f"{backend}: CPU per reading / bare's",
            cpu_per_request(closed) / max(cpu_per_request(bare_result), 1e-9),
            "x",
            "<= 5",
            cpu_per_request(closed) <= 5 * cpu_per_request(bare_result),
        ),
        Figure(
            NAME,
            f"{backend}: achieved rate, paced 200/s",
            rate_of(steady),
            "/s",
            "200",
            rate_of(steady) >= 190,
        ),
        Figure(NAME, f"{backend}: p99 paced 200/s", p99_paced, "ms", "<= 50", p99_paced <= 50),
    ]
    return figures
