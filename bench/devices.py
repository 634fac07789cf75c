"""Device feed: N simulated monitors on MLLP at one message each 5 s, beside the PUT path.

For each N: ACK latency (message sent → ACK read) and monitor→screen latency (message sent →
its `reading.created` on a dashboard's websocket), and in the same run a tablet-like PUT load
at the same rate on other sessions (PUT latency). The largest N whose ACK p99 and
monitor→screen p99 stay within 250 ms is reported. `python -m bench.devices --seconds 20
--monitors 10,40,80` (SQLite, one process).
"""

import argparse
import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime

import httpx
import websockets

from app.devices.pcd01 import read_message
from app.devices.service import reading_ids
from app.devices.sim import Monitor, exchange, pcd01, vitals
from bench.common import (
    Latencies,
    create_users,
    free_port,
    reading_body,
    seed_clinic,
    sqlite_url,
    vigil_server,
)

INTERVAL = 5.0
GOAL_MS = 250.0


async def mrns(url: str, token: str, ids: list[str]) -> list[str]:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
        return [(await c.get(f"/api/sessions/{i}")).json()["patient"]["mrn"] for i in ids]


async def round_(
    url: str, mllp: int, token: str, monitors: list[Monitor], put_ids: list[str], seconds: float
) -> tuple[Latencies, Latencies, Latencies]:
    acks, screen, puts = Latencies(), Latencies(), Latencies()
    sent: dict[str, float] = {}
    rng = random.Random(7)
    ws_url = url.replace("http", "ws") + "/api/live"
    async with websockets.connect(ws_url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        await ws.recv()  # snapshot

        async def watch() -> None:
            async for raw in ws:
                message = json.loads(raw)
                events = message["messages"] if message.get("type") == "batch" else [message]
                for event in events:
                    if event.get("event") == "reading.created":
                        rid = event["data"]["reading"]["id"]
                        if (at := sent.pop(rid, None)) is not None:
                            screen.samples.append(time.perf_counter() - at)

        async def monitor(m: Monitor, offset: float) -> None:
            await asyncio.sleep(offset)
            end = time.monotonic() + seconds
            n = 0
            while time.monotonic() < end:
                n += 1
                text = pcd01(
                    m, f"{m.device}-{uuid.uuid4().hex[:8]}", datetime.now(UTC), vitals(m, n, rng)
                )
                [rid] = reading_ids(read_message(text))
                start = time.perf_counter()
                sent[str(rid)] = start
                await exchange("127.0.0.1", mllp, text, wait=30)
                acks.samples.append(time.perf_counter() - start)
                await asyncio.sleep(max(0.0, INTERVAL - (time.perf_counter() - start)))

        async def tablets(client: httpx.AsyncClient) -> None:
            # The same rate as the monitors, as PUTs to the other sessions.
            end = time.monotonic() + seconds
            period = INTERVAL / max(1, len(monitors))
            i = 0
            while time.monotonic() < end:
                sid = put_ids[i % len(put_ids)]
                i += 1
                start = time.perf_counter()
                body = reading_body(rng) | {"taken_at": datetime.now(UTC).isoformat()}
                await client.put(f"/api/sessions/{sid}/readings/{uuid.uuid4()}", json=body)
                puts.samples.append(time.perf_counter() - start)
                await asyncio.sleep(max(0.0, period - (time.perf_counter() - start)))

        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
            watcher = asyncio.create_task(watch())
            async with asyncio.TaskGroup() as group:
                for k, m in enumerate(monitors):
                    group.create_task(monitor(m, INTERVAL * k / len(monitors)))
                group.create_task(tablets(client))
            await asyncio.sleep(1)
            watcher.cancel()
    return acks, screen, puts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--monitors", default="10,40,80")
    args = parser.parse_args()
    counts = [int(n) for n in args.monitors.split(",")]
    with sqlite_url() as url:
        create_users(url)
        mllp = free_port()
        env = {
            "VIGIL_MLLP_PORT": str(mllp),
            "VIGIL_MLLP_HOST": "127.0.0.1",
            "VIGIL_MLLP_ALLOWED_SOURCES": '["127.0.0.1"]',
        }
        with vigil_server(url, **env) as server:
            clinic = seed_clinic(server.url, max(counts) + 16)
            ids = clinic.session_ids
            device_ids, put_ids = ids[: max(counts)], ids[max(counts) :]
            patient_mrns = asyncio.run(mrns(server.url, clinic.nurse_token, device_ids))
            best = 0
            for n in counts:
                fleet = [Monitor(f"BENCH{k:011X}", patient_mrns[k], 120, 70) for k in range(n)]
                acks, screen, puts = asyncio.run(
                    round_(server.url, mllp, clinic.physician_token, fleet, put_ids, args.seconds)
                )
                ok = acks.p(99) <= GOAL_MS and screen.p(99) <= GOAL_MS
                best = n if ok else best
                print(f"{n:>4} monitors  ACK            {acks.brief()}")
                print(f"{'':>4}           monitor→screen {screen.brief()}")
                print(f"{'':>4}           PUT (same rate) {puts.brief()}", flush=True)
            print(f"largest N with ACK and monitor→screen p99 ≤ {GOAL_MS:.0f} ms: {best}")


if __name__ == "__main__":
    main()
