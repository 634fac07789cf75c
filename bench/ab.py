"""A/B in one run: the benchmarks against another commit's code (A) and this checkout's (B).

    uv run python -m bench.ab --ref <commit> [--rounds 2] [-- <bench options>]

A is checked out into a temporary git worktree and its servers run with this virtualenv
(`PYTHONPATH` puts its `app` ahead of the editable install); both sides are driven by this
checkout's bench, so only the server's code differs. The sides alternate
(A, B, A, B, ...) so that a machine whose load drifts during the run hurts both alike; each
figure is printed per round and side. Bench options default to `--quick --only ingest,screen`.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
DEFAULT = ["--quick", "--only", "ingest,screen"]


def figures(output: str) -> dict[str, str]:
    """The summary lines a bench run prints (see common.Figure.line), by bench and name."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        if line.startswith("    ") and len(line) > 70:
            key, value = line[4:63].rstrip(), line[63:74].strip()
            found[" ".join(key.split())] = value
    return found


def run(root: Path, options: list[str]) -> str:
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-m", "bench", *options],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        # On a loaded machine a server can miss its start deadline: that side of the round is
        # shown as "-", and the others still run.
        print(f"  failed (exit {done.returncode}):\n{done.stderr[-1500:]}", flush=True)
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("--ref", required=True, help="the commit to compare against (A)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("options", nargs="*", help="bench options (after --)")
    args = parser.parse_args()
    options = args.options or DEFAULT
    with tempfile.TemporaryDirectory(prefix="vigil-ab-") as tmp:
        old = Path(tmp) / "a"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(old), args.ref],
            cwd=HERE,
            check=True,
            capture_output=True,
        )
        try:
            results: list[tuple[str, dict[str, str]]] = []
            for round_ in range(1, args.rounds + 1):
                for side, root in (("A", old), ("B", HERE)):
                    print(f"round {round_}, {side} ...", flush=True)
                    results.append((f"{side}{round_}", figures(run(root, options))))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=HERE)
    names = list(dict.fromkeys(name for _label, found in results for name in found))
    print(f"\n{'figure':<60}" + "".join(f"{label:>11}" for label, _found in results))
    for name in names:
        row = "".join(f"{found.get(name, '-'):>11}" for _label, found in results)
        print(f"{name:<60}{row}")


if __name__ == "__main__":
    main()
