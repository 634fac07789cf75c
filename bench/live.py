"""2, 3, 5. The live stream: reading-to-screen latency, fan-out to many clients, a stalled client.

Clients are token clients of GET /api/live (auth message, snapshot, then events) offering
permessage-deflate as browsers do. Latency is from the moment a PUT is written to the moment its
`reading.created` event is read by each client, both in the generator process.
"""

from typing import Any

from bench import loadgen
from bench.common import Clinic, Figure, Latencies, Server

# The slow-client comparison runs below saturation, so queueing does not drown the difference.
SLOW_RATE = 50.0


def run_live(
    server: Server,
    clinic: Clinic,
    *,
    clients: int,
    rate: float,
    seconds: float,
    stalled: int = 0,
    pg: bool = False,
    server_pid: int | None = None,
) -> dict[str, Any]:
    params = loadgen.LiveParams(
        server.port,
        clinic.nurse_token,
        clinic.session_ids,
        server_pid or server.pid,
        clients=clients,
        rate=rate,
        seconds=seconds,
        stalled=stalled,
        postgres=pg,
        grace=min(5.0, seconds),
        idle_settle=min(2.0, seconds / 2),
    )
    return loadgen.in_child(loadgen.live, params, timeout=900)


def describe(label: str, r: dict[str, Any]) -> str:
    lat = Latencies(r["latencies"])
    puts = Latencies(r["put_latencies"])
    conn = Latencies(r["connect_latencies"])
    healthy = r["clients"] - len(r["stalled_closes"])
    expected = r["expected_per_client"] * healthy
    delivered = r["delivered_total"] / expected if expected else float("nan")
    return (
        f"{label}\n"
        f"  PUT -> event at each client: {lat.brief()}\n"
        f"  PUTs: {r['puts'] / r['elapsed']:.1f}/s done ({r['put_abandoned']} abandoned), "
        f"PUT {puts.brief()}\n"
        f"  delivered {100 * delivered:.1f}% of expected events (worst client "
        f"{r['delivered_min']}/{r['expected_per_client']}), {r['closed_early']} clients closed "
        f"early, deflate {'on' if r['deflate'] else 'off'}\n"
        f"  connecting {r['clients']} clients took {r['connect_seconds']:.1f} s "
        f"(each: p50 {conn.p(50):.0f} ms, p99 {conn.p(99):.0f} ms)\n"
        f"  CPU during the run: server {100 * r['server_cpu'] / r['elapsed']:.0f}%, "
        f"generator {100 * r['generator_cpu'] / r['elapsed']:.0f}%"
        + (f", postgres {100 * r['postgres_cpu'] / r['elapsed']:.0f}%" if r["postgres_cpu"] else "")
        + " of one core"
        + (f"\n  stalled clients ended with: {r['stalled_closes']}" if r["stalled_closes"] else "")
    )


def reading_to_screen(
    label: str,
    server: Server,
    clinic: Clinic,
    *,
    clients: int,
    seconds: float,
    pg: bool,
    p99_goal: float,
    max_goal: float | None,
) -> list[Figure]:
    r = run_live(server, clinic, clients=clients, rate=200, seconds=seconds, pg=pg)
    print(describe(f"{label}: {clients} clients, 200 readings/s", r), flush=True)
    lat = Latencies(r["latencies"])
    figures = [
        Figure("screen", f"{label}: p50 PUT->screen", lat.p(50), "ms"),
        Figure(
            "screen",
            f"{label}: p99 PUT->screen",
            lat.p(99),
            "ms",
            f"<= {p99_goal:.0f}",
            lat.p(99) <= p99_goal,
        ),
        Figure(
            "screen",
            f"{label}: readings/s achieved",
            r["puts"] / r["elapsed"],
            "/s",
            "200",
            r["puts"] / r["elapsed"] >= 190,
        ),
    ]
    if max_goal is not None:
        figures.append(
            Figure(
                "screen",
                f"{label}: max PUT->screen",
                lat.max_ms,
                "ms",
                f"<= {max_goal:.0f}",
                lat.max_ms <= max_goal,
            )
        )
    return figures


def fan_out(server: Server, clinic: Clinic, *, clients: int, seconds: float) -> list[Figure]:
    r = run_live(server, clinic, clients=clients, rate=20, seconds=seconds)
    print(describe(f"fan-out: {clients} clients, 20 events/s", r), flush=True)
    lat = Latencies(r["latencies"])
    per_conn = (r["rss_after_kib"] - r["rss_before_kib"]) / clients
    print(
        f"  server RSS {r['rss_before_kib'] / 1024:.1f} MiB before, {r['rss_after_kib'] / 1024:.1f}"
        f" MiB with {clients} idle clients: {per_conn:.1f} KiB per connection",
        flush=True,
    )
    return [
        Figure("fan-out", f"{clients} clients: p50 PUT->screen", lat.p(50), "ms"),
        Figure(
            "fan-out",
            f"{clients} clients: p99 PUT->screen",
            lat.p(99),
            "ms",
            "<= 250",
            lat.p(99) <= 250,
        ),
        Figure("fan-out", "RSS per idle connection", per_conn, "KiB", "<= 50", per_conn <= 50),
        Figure("fan-out", f"time to connect {clients} clients", r["connect_seconds"], "s"),
    ]


def slow_client(server: Server, clinic: Clinic, *, clients: int, seconds: float) -> list[Figure]:
    base = run_live(server, clinic, clients=clients, rate=SLOW_RATE, seconds=seconds)
    print(
        describe(f"slow client, baseline: {clients} clients, {SLOW_RATE:.0f}/s", base), flush=True
    )
    slow = run_live(server, clinic, clients=clients, rate=SLOW_RATE, seconds=seconds, stalled=1)
    print(describe(f"slow client: 1 of {clients} stalled", slow), flush=True)
    p99_base = Latencies(base["latencies"]).p(99)
    p99_slow = Latencies(slow["latencies"]).p(99)
    ratio = p99_slow / p99_base
    print(f"  p99 of the others: {p99_slow:.1f} ms vs {p99_base:.1f} ms without it: {ratio:.2f}x")
    return [
        Figure("slow-client", "p99 others, no stalled client", p99_base, "ms"),
        Figure("slow-client", "p99 others, one stalled client", p99_slow, "ms"),
        Figure("slow-client", "ratio stalled / baseline p99", ratio, "x", "<= 1.20", ratio <= 1.2),
    ]
