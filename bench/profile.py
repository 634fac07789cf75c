"""Where the server's time goes: py-spy samples a `vigil serve` process under load.

    uv run --with py-spy python -m bench.profile [ingest|live] [--seconds 15] [--postgres]
        [--concurrency 4] [--clients 200 --rate 50]

Prints the heaviest frames by inclusive and by own time (collapsed stacks, idle frames dropped)
and leaves the raw profile in /tmp for speedscope or flamegraph.pl.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path

from bench import loadgen
from bench.common import create_users, postgres_url, seed_clinic, sqlite_url, vigil_server

# Leaves that are waiting, not working: the event loop in C (uvloop) and aiosqlite's idle thread.
IDLE = ("Runner.run (", "_connection_worker_thread (aiosqlite/core.py:59)")
PACKAGES = (
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "pydantic",
    "fastapi",
    "starlette",
    "uvicorn",
    "websockets",
    "json",
    "anyio",
    "app",
)


def package_of(frame: str) -> str:
    location = frame.rsplit("(", 1)[-1]
    for name in PACKAGES:
        if location.startswith(name + "/"):
            return name
    return "other (stdlib, C extensions)"


def summarise(collapsed: Path, top: int = 30) -> str:
    """Own time by package, and inclusive time of Vigil's own functions."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        stack_frames = stack.split(";")
        if any(marker in stack_frames[-1] for marker in IDLE):
            continue
        total += count
        own[package_of(stack_frames[-1])] += count
        for frame in set(stack_frames):
            if package_of(frame) == "app" and "app/cli.py" not in frame:
                inclusive[frame.split(" (")[0] + " (" + frame.rsplit("(", 1)[-1]] += count
    lines = [f"samples holding the GIL (busy): {total}", "", "own time by package:"]
    for name, count in own.most_common():
        lines.append(f"  {100 * count / max(total, 1):5.1f}%  {name}")
    lines += ["", "inclusive time of app/ functions:"]
    for frame, count in inclusive.most_common(top):
        lines.append(f"  {100 * count / max(total, 1):5.1f}%  {frame}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("ingest", "live"), nargs="?", default="ingest")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--clients", type=int, default=200, help="live: websocket clients")
    parser.add_argument("--rate", type=float, default=50, help="live: readings/s")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy")
    if py_spy is None:
        sys.exit("py-spy is not installed: uv run --with py-spy python -m bench.profile")
    with ExitStack() as stack:
        database: AbstractContextManager[str] = postgres_url() if args.postgres else sqlite_url()
        url = stack.enter_context(database)
        create_users(url)
        server = stack.enter_context(vigil_server(url))
        clinic = seed_clinic(server.url, 20)
        out = Path(tempfile.gettempdir()) / f"vigil-profile-{args.what}.txt"
        recorder = subprocess.Popen(
            [
                *(py_spy, "record", "--pid", str(server.pid), "--format", "raw"),
                *("--output", str(out), "--duration", str(int(args.seconds)), "--rate", "200"),
                *("--nonblocking", "--gil"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        result: dict[str, object] = {}

        def load() -> None:
            if args.what == "ingest":
                params = loadgen.IngestParams(
                    server.port,
                    clinic.nurse_token,
                    clinic.session_ids,
                    server.pid,
                    args.seconds + 2,
                    0,
                    concurrency=args.concurrency,
                )
                result.update(loadgen.in_child(loadgen.ingest, params))
            else:
                live = loadgen.LiveParams(
                    server.port,
                    clinic.nurse_token,
                    clinic.session_ids,
                    server.pid,
                    clients=args.clients,
                    rate=args.rate,
                    seconds=args.seconds + 2,
                )
                result.update(loadgen.in_child(loadgen.live, live))

        thread = threading.Thread(target=load)
        thread.start()
        recorder.wait()
        thread.join()
        print(f"raw profile: {out}")
        print(summarise(out))


if __name__ == "__main__":
    main()
