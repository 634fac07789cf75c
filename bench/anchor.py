"""`uv run python -m bench.anchor [--commits N]`: what anchoring the audit head at every commit
costs. In one process, on a fresh database each: blocks of N commits that each write one audit
entry (`record_audit` + commit, a request's path), alternately with the anchor file on and off
(`anchor_in(None)`), five blocks each. Beside each block a ticker on the same event loop
sleeps 1 ms at a time and records how late it wakes: what every other request of the worker
would wait while a commit anchors. Prints commits/s and the ticker's p99 lateness both ways and
their ratios (median of the blocks); nothing asserts.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import app.main  # noqa: F401  (every model, for the migrations)
from app.audit.anchor import anchor_in
from app.audit.keys import load_keys
from app.audit.service import record_audit, use_keys
from app.db import Database
from app.migrate import upgrade
from bench.common import postgres_available, postgres_url, sqlite_url

ROUNDS = 5


async def _tick(late: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.001)
        late.append(time.perf_counter() - started - 0.001)


async def _block(database: Database, commits: int) -> tuple[float, float]:
    """Audited commits/s, and the p99 of how late the loop's ticker woke meanwhile (ms)."""
    late: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(_tick(late, stop))
    started = time.perf_counter()
    for i in range(commits):
        async with database.session() as db:
            await record_audit(db, action="bench.anchor", user=None, details={"i": i})
            await db.commit()
    rate = commits / (time.perf_counter() - started)
    stop.set()
    await ticker
    return rate, statistics.quantiles(late, n=100)[98] * 1000


Figures = tuple[float, float, float, float]


async def _measure(url: str, commits: int, anchors: Path) -> Figures:
    """Medians: commits/s anchored and not, ticker p99 lateness anchored and not."""
    database = Database(url)
    try:
        on, off = [], []
        for _ in range(ROUNDS):
            anchor_in(anchors)
            on.append(await _block(database, commits))
            anchor_in(None)
            off.append(await _block(database, commits))
        return (
            statistics.median(r for r, _ in on),
            statistics.median(r for r, _ in off),
            statistics.median(t for _, t in on),
            statistics.median(t for _, t in off),
        )
    finally:
        await database.dispose()


@contextmanager
def _backends(postgres: bool) -> Iterator[list[tuple[str, str]]]:
    with sqlite_url() as sqlite:
        if postgres and postgres_available():
            with postgres_url() as pg:
                yield [("sqlite", sqlite), ("postgres", pg)]
        else:
            yield [("sqlite", sqlite)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=300, help="commits per block")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, _backends(not args.no_postgres) as backends:
        use_keys(load_keys(Path(tmp) / "audit-keys.json"))
        for name, url in backends:
            upgrade(url)
            anchors = Path(tmp) / f"{name}-anchors.jsonl"
            on, off, late_on, late_off = asyncio.run(_measure(url, args.commits, anchors))
            print(
                f"anchor {name}: {on:,.0f} audited commits/s anchored, {off:,.0f} without, "
                f"ratio {on / off:.2f}; loop p99 late {late_on:.2f} ms anchored, "
                f"{late_off:.2f} ms without, ratio {late_on / late_off:.2f} "
                f"({ROUNDS}×{args.commits} commits each way, median)"
            )


if __name__ == "__main__":
    main()
