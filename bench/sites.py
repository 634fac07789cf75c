"""6. Per-site fan-out: 50 sites x 4 dashboards, 200 readings/s in all, on the live bus.

In one process, on the app's own `Bus` and `Subscription`, without sockets: each dashboard is a
task that does what `LiveConnection._stream` does with what the bus hands it (wake, drain, frame
the text it would send). Two ways, alternated in the same run:

- **by site** (the bus today): each dashboard subscribes to its site; a reading is put in the
  queues of its site's 4 dashboards only.
- **per-socket filter** (the bus before): every dashboard subscribes to every site and drops
  other sites' events itself, so each reading wakes all 200.

Fan-out cost per event is the process's CPU time over the run divided by the readings published
(publishing, waking, filtering, framing); delivery is from `publish` to the dashboard's task
reading the event.
"""

import asyncio
import contextlib
import random
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from app.events import Event
from app.live.bus import Bus, Message, Subscription, frame, to_message
from bench.common import Figure, Latencies

SITES = 50
PER_SITE = 4
RATE = 200.0


@dataclass
class Run:
    cpu_per_event_us: float = 0.0
    publish_us: float = 0.0  # time inside `Bus.publish`, all readings
    delivery: Latencies = field(default_factory=Latencies)
    delivered: int = 0
    expected: int = 0
    wakeups: int = 0
    sent_at: dict[int, float] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)


async def dashboard(
    sub: Subscription, site: uuid.UUID, by_site: bool, run: Run, stop: asyncio.Event
) -> None:
    mine = {site}
    while not stop.is_set():
        first = await anext(sub)
        now = time.perf_counter()
        run.wakeups += 1
        batch = [first, *sub.drain()]
        shown: list[Message] = batch if by_site else [m for m in batch if m.visible_to(mine)]
        if shown:
            frame(shown)
        for m in shown:
            run.delivery.samples.append(now - run.sent_at[m.seq])
            run.delivered += 1
        if run.delivered == run.expected:
            run.done.set()


async def one_run(by_site: bool, seconds: float, seed: int) -> Run:
    rng = random.Random(seed)
    sites = [uuid.uuid4() for _ in range(SITES)]
    sessions = {site: [uuid.uuid4() for _ in range(PER_SITE)] for site in sites}
    bus = Bus(queue_size=1000, last=0)
    run = Run()
    stop = asyncio.Event()
    async with AsyncExitStack() as stack:
        tasks = []
        for site in sites:
            for _ in range(PER_SITE):
                sub = await stack.enter_async_context(bus.subscribe({site} if by_site else None))
                tasks.append(asyncio.create_task(dashboard(sub, site, by_site, run, stop)))
        await asyncio.sleep(0)
        await publish(bus, run, rng, sites, sessions, seconds)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return run


async def publish(
    bus: Bus,
    run: Run,
    rng: random.Random,
    sites: list[uuid.UUID],
    sessions: dict[uuid.UUID, list[uuid.UUID]],
    seconds: float,
) -> None:
    count = int(RATE * seconds)
    run.expected = count * PER_SITE
    started_cpu, started = time.process_time(), time.perf_counter()
    for seq in range(1, count + 1):
        planned = started + seq / RATE
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        site = rng.choice(sites)
        data = {"reading": {"id": str(uuid.uuid4()), "heart_rate": 76, "spo2": 98}}
        event = Event(
            seq=seq, type="reading.created", session_id=rng.choice(sessions[site]), data=data
        )
        message = to_message(event, site)
        run.sent_at[seq] = time.perf_counter()
        bus.publish([message])
        run.publish_us += (time.perf_counter() - run.sent_at[seq]) * 1e6
    # Until every dashboard has had its readings: a backlog is part of the cost.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(run.done.wait(), 60)
    run.cpu_per_event_us = (time.process_time() - started_cpu) / count * 1e6


def describe(label: str, run: Run) -> str:
    return (
        f"{label}: CPU {run.cpu_per_event_us:.0f} µs per reading "
        f"({run.publish_us / (run.expected / PER_SITE):.1f} µs in publish), delivery "
        f"{run.delivery.brief()}, {run.delivered}/{run.expected} delivered, "
        f"{run.wakeups} dashboard wake-ups"
    )


def run(seconds: float) -> list[Figure]:
    """Two rounds of each, interleaved, so machine load falls on both alike; the better
    round of each is kept."""
    results: dict[bool, list[Run]] = {True: [], False: []}
    for round_ in range(2):
        for by_site in (False, True):
            got = asyncio.run(one_run(by_site, seconds, seed=round_))
            label = "by site" if by_site else "per-socket filter"
            print(describe(f"  {label}, round {round_ + 1}", got), flush=True)
            results[by_site].append(got)
    site = min(results[True], key=lambda r: r.cpu_per_event_us)
    base = min(results[False], key=lambda r: r.cpu_per_event_us)
    ratio = site.cpu_per_event_us / base.cpu_per_event_us
    per = {r is site: r.publish_us / (r.expected / PER_SITE) for r in (site, base)}
    publish_ratio = per[True] / per[False]
    p99_ratio = site.delivery.p(99) / base.delivery.p(99)
    print(
        f"  by site / per-socket: publish {publish_ratio:.2f}x, CPU per reading {ratio:.2f}x, "
        f"delivery p99 {p99_ratio:.2f}x",
        flush=True,
    )
    complete = all(r.delivered == r.expected for rs in results.values() for r in rs)
    return [
        Figure("sites", "per-socket filter: publish per reading", per[False], "µs"),
        Figure("sites", "by site: publish per reading", per[True], "µs"),
        Figure(
            "sites",
            "ratio by site / per-socket publish",
            publish_ratio,
            "x",
            "<= 0.10",
            publish_ratio <= 0.1,
        ),
        Figure("sites", "per-socket filter: CPU per reading", base.cpu_per_event_us, "µs"),
        Figure("sites", "by site: CPU per reading", site.cpu_per_event_us, "µs"),
        Figure("sites", "ratio by site / per-socket CPU", ratio, "x"),
        Figure("sites", "per-socket filter: delivery p99", base.delivery.p(99), "ms"),
        Figure("sites", "by site: delivery p99", site.delivery.p(99), "ms"),
        Figure("sites", "ratio by site / per-socket p99", p99_ratio, "x", "<= 1", p99_ratio <= 1),
        Figure("sites", "every reading reached its 4 dashboards", complete, "", "1", complete),
    ]


if __name__ == "__main__":
    for figure in run(10.0):
        print(figure.line())
