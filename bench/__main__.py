"""`uv run python -m bench [--quick]`: every benchmark, then a summary of figures against goals.

Figures are ratios against baselines measured in the same run plus absolute numbers; nothing
here asserts. See bench/README.md for what each figure means and the latest results.
"""

import argparse
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import httpx

from bench import export, ingest, live, sites
from bench.common import (
    Clinic,
    Figure,
    Server,
    bare_server,
    create_users,
    header,
    postgres_available,
    postgres_url,
    seed_clinic,
    sqlite_url,
    vigil_server,
)

BENCHES = ("ingest", "screen", "fanout", "slow", "export", "sites")


@dataclass(frozen=True)
class Plan:
    quick: bool
    ingest_seconds: float
    ingest_chairs: int
    live_chairs: int
    live_seconds: float
    screen_clients: int
    fanout_clients: int
    slow_clients: int
    export_rows: int
    fhir_rows: int

    @classmethod
    def make(cls, quick: bool) -> "Plan":
        if quick:
            return cls(True, 2, 8, 6, 2, 50, 100, 20, 10_000, 1_000)
        return cls(False, 15, 40, 8, 10, 200, 1000, 200, 1_000_000, 10_000)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} (1/5 min) on {os.cpu_count()} cores"


def end_sessions(clinic: Clinic) -> None:
    """Abort the ingest chairs, so live snapshots hold the live chairs only."""
    headers = {"Authorization": f"Bearer {clinic.nurse_token}"}
    with httpx.Client(base_url=clinic.url, headers=headers, timeout=60) as client:
        for sid in clinic.session_ids:
            client.post(
                f"/api/sessions/{sid}/transitions", json={"to": "aborted", "reason": "bench"}
            )


def section(title: str, figures: list[Figure], fn: Callable[[], list[Figure]]) -> None:
    header(f"{title}  [{load()}]")
    started = time.perf_counter()
    got = fn()
    figures.extend(got)
    goals = [f for f in got if f.met is not None]
    print(
        f"--- {title}: {sum(1 for f in goals if f.met)} of {len(goals)} goals met "
        f"({time.perf_counter() - started:.0f} s)"
    )
    for figure in got:
        print("    " + figure.line())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short run for CI (< 2 min)")
    parser.add_argument("--only", default=",".join(BENCHES), help=f"comma list of {BENCHES}")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma list")
    args = parser.parse_args()
    only = set(args.only.split(","))
    plan = Plan.make(args.quick)
    pg = not args.no_postgres and postgres_available()
    started = time.perf_counter()
    print(
        f"Vigil benchmarks, {'QUICK' if plan.quick else 'full'} run, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, {load()}"
    )
    if plan.quick:
        print(
            f"QUICK (smoke) sizes: {plan.ingest_seconds:.0f} s per load, "
            f"{plan.screen_clients} screen / {plan.fanout_clients} fan-out / "
            f"{plan.slow_clients} slow-test clients, {plan.export_rows:,} CSV and "
            f"{plan.fhir_rows:,} FHIR export rows; the full run uses 200 / 1,000 / 200 clients, "
            "1,000,000 / 10,000 rows. Goals are judged on the full sizes."
        )
    if not pg:
        print("PostgreSQL: not available or disabled; its figures are skipped")
    figures: list[Figure] = []
    bare_result: dict[str, object] = {}

    if "ingest" in only:
        with bare_server() as bare:
            section(
                "ingest: bare FastAPI baseline", figures, partial(_bare, bare, plan, bare_result)
            )

    if "sites" in only:
        section(
            "per-site fan-out (live bus, in process)",
            figures,
            partial(sites.run, plan.live_seconds),
        )

    wanted = set(args.backends.split(","))
    backends = [b for b in ("sqlite", "postgres") if b in wanted and (b == "sqlite" or pg)]
    for backend in backends:
        database = sqlite_url() if backend == "sqlite" else postgres_url()
        with database as url:
            create_users(url)
            with vigil_server(url) as server:
                if "ingest" in only:
                    clinic = seed_clinic(server.url, plan.ingest_chairs)
                    section(
                        f"ingest: {backend}",
                        figures,
                        partial(
                            ingest.run_backend,
                            backend,
                            server,
                            clinic,
                            bare_result,
                            plan.ingest_seconds,
                        ),
                    )
                    end_sessions(clinic)
                live_clinic = seed_clinic(server.url, plan.live_chairs)
                if backend == "sqlite":
                    if "fanout" in only:
                        section(
                            "fan-out (sqlite, 1 process)",
                            figures,
                            partial(
                                live.fan_out,
                                server,
                                live_clinic,
                                clients=plan.fanout_clients,
                                seconds=plan.live_seconds,
                            ),
                        )
                    if "screen" in only:
                        section(
                            "reading-to-screen (sqlite, 1 process)",
                            figures,
                            partial(
                                live.reading_to_screen,
                                "sqlite 1 proc",
                                server,
                                live_clinic,
                                clients=plan.screen_clients,
                                seconds=plan.live_seconds,
                                pg=False,
                                p99_goal=50,
                                max_goal=250,
                            ),
                        )
                    if "slow" in only:
                        section(
                            "slow client (sqlite, 1 process)",
                            figures,
                            partial(
                                live.slow_client,
                                server,
                                live_clinic,
                                clients=plan.slow_clients,
                                seconds=plan.live_seconds,
                            ),
                        )
                if "export" in only and backend == "sqlite":
                    section(
                        f"export ({backend})",
                        figures,
                        partial(
                            export.run,
                            backend,
                            url,
                            server,
                            live_clinic,
                            plan.export_rows,
                            fhir_rows=plan.fhir_rows,
                            via_cli=backend == "sqlite",
                        ),
                    )
            if backend == "postgres" and "screen" in only:
                with vigil_server(url, workers=2) as server2:
                    live_clinic.url = server2.url
                    section(
                        "reading-to-screen (postgres, 2 workers)",
                        figures,
                        partial(
                            live.reading_to_screen,
                            "postgres 2 workers",
                            server2,
                            live_clinic,
                            clients=plan.screen_clients,
                            seconds=plan.live_seconds,
                            pg=True,
                            p99_goal=100,
                            max_goal=None,
                        ),
                    )

    header("summary")
    for figure in figures:
        print(figure.line())
    goals = [f for f in figures if f.met is not None]
    met = sum(1 for f in goals if f.met)
    print(
        f"\nSUMMARY: {met} of {len(goals)} goals met, {len(goals) - met} missed; "
        f"{len(figures)} figures in {time.perf_counter() - started:.0f} s "
        f"({'quick' if plan.quick else 'full'} run; {load()})"
    )


def _bare(bare: Server, plan: Plan, out: dict[str, object]) -> list[Figure]:
    result = ingest.bare(bare, plan.ingest_seconds)
    out.update(result)
    lat = ingest.Latencies(result["latencies"])
    return [
        Figure("ingest", "bare endpoint: requests/s (closed)", ingest.rate_of(result), "/s"),
        Figure("ingest", "bare endpoint: p99", lat.p(99), "ms"),
        Figure(
            "ingest", "bare endpoint: server CPU per request", ingest.cpu_per_request(result), "ms"
        ),
    ]


if __name__ == "__main__":
    main()
