"""The load generator: runs in its own process (see `in_child`), on uvloop, with raw clients.

HTTP/1.1 keep-alive and websocket clients are written against asyncio directly, not with httpx or
the websockets library: on a 2-core machine the generator shares the CPU with the server, and the
cheaper it is per request and per message, the more of what is measured is the server.

The websocket client offers permessage-deflate, as every browser does; `deflate=False` turns the
offer off. Latency from a PUT to an event is measured in this one process (one clock): the time
just before the PUT is written to the time its `reading.created` frame is read by each client.
"""

import asyncio
import base64
import contextlib
import json
import os
import random
import resource
import socket
import time
import uuid
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar, cast

from bench.common import HOST, reading_body

T = TypeVar("T")


def in_child(fn: Callable[..., T], *args: Any, timeout: float = 600) -> T:
    """Run fn(*args) in a fresh process (spawned, so nothing is inherited) and return its value."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result(timeout=timeout)


def run(coro_fn: Callable[..., Any], *args: Any) -> Any:
    try:
        import uvloop

        return uvloop.run(coro_fn(*args))
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(coro_fn(*args))


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its children (uvicorn workers), from /proc."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        current = pending.pop()
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(c) for c in children)
    return total


def postgres_cpu_seconds() -> float:
    """CPU seconds of every `postgres` process on the machine (the server is local)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            raw = (entry / "stat").read_text()
            if "(postgres)" not in raw:
                continue
            stat = raw.rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / ticks
    return total


# ---------------------------------------------------------------------------------------------
# HTTP


class HttpConn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int):
        self.reader, self.writer = reader, writer
        self.host = f"{HOST}:{port}".encode()

    @classmethod
    async def open(cls, port: int) -> "HttpConn":
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer, port)

    async def request(
        self, method: str, path: str, body: bytes = b"", token: str | None = None
    ) -> tuple[int, bytes]:
        head = [f"{method} {path} HTTP/1.1".encode(), b"Host: " + self.host]
        if token:
            head.append(b"Authorization: Bearer " + token.encode())
        if body:
            head.append(b"Content-Type: application/json")
        head.append(b"Content-Length: " + str(len(body)).encode())
        self.writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        lower = raw.lower()
        at = lower.find(b"content-length:")
        length = int(lower[at + 15 : lower.find(b"\r\n", at)]) if at >= 0 else 0
        data = await self.reader.readexactly(length) if length else b""
        return status, data

    def close(self) -> None:
        self.writer.close()


@dataclass
class Puts:
    """Readings PUT, with the moment each was written (perf_counter) by reading id."""

    token: str
    session_ids: list[str]
    sent_at: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    abandoned: list[float] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    next_session: int = 0

    async def one(self, conn: HttpConn, *, scheduled: float | None = None) -> None:
        sid = self.session_ids[self.next_session % len(self.session_ids)]
        self.next_session += 1
        rid = str(uuid.uuid4())
        body = json.dumps(reading_body(self.rng)).encode()
        start = time.perf_counter()
        self.sent_at[rid] = start
        status, _ = await conn.request(
            "PUT", f"/api/sessions/{sid}/readings/{rid}", body, self.token
        )
        end = time.perf_counter()
        self.statuses[status] = self.statuses.get(status, 0) + 1
        # Paced load counts from the planned moment: a late generator must not hide queueing.
        self.latencies.append(end - (scheduled if scheduled is not None else start))


async def paced(
    port: int, puts: Puts, rate: float, seconds: float, pool_size: int = 64, grace: float = 5.0
) -> float:
    """Open loop: PUTs planned every 1/rate s, each on a free connection. Returns elapsed s.

    PUTs still unanswered `grace` s after the last one was planned are abandoned and counted in
    `puts.abandoned`, each with the time it had waited so far (a lower bound of its latency).
    """
    pool: asyncio.Queue[HttpConn] = asyncio.Queue()
    for _ in range(pool_size):
        pool.put_nowait(await HttpConn.open(port))
    spent: list[HttpConn] = []

    async def fire(scheduled: float) -> None:
        conn = await pool.get()
        try:
            await puts.one(conn, scheduled=scheduled)
        except asyncio.CancelledError:
            spent.append(conn)  # a request may be in flight on it: never reuse
            raise
        pool.put_nowait(conn)

    tasks: dict[asyncio.Task[None], float] = {}
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        planned = start + i / rate
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks[asyncio.create_task(fire(planned))] = planned
    _, pending = await asyncio.wait(tasks, timeout=grace)
    now = time.perf_counter()
    for task in pending:
        task.cancel()
        puts.abandoned.append(now - tasks[task])
    if pending:
        await asyncio.wait(pending)
    elapsed = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait().close()
    for conn in spent:
        conn.close()
    return elapsed


async def closed(port: int, puts: Puts, concurrency: int, seconds: float) -> float:
    """Closed loop: `concurrency` connections, each sending the next PUT on the last answer."""
    conns = [await HttpConn.open(port) for _ in range(concurrency)]
    stop = time.perf_counter() + seconds

    async def worker(conn: HttpConn) -> None:
        while time.perf_counter() < stop:
            await puts.one(conn)

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return elapsed


@dataclass(frozen=True)
class IngestParams:
    port: int
    token: str
    session_ids: list[str]
    server_pid: int
    seconds: float
    warmup: float
    concurrency: int = 0  # closed loop when > 0
    rate: float = 0  # paced when > 0
    postgres: bool = False
    grace: float = 5.0  # paced: how long unanswered PUTs are waited for after the last


def ingest(params: IngestParams) -> dict[str, Any]:
    return run(_ingest, params)  # type: ignore[no-any-return]


async def _ingest(p: IngestParams) -> dict[str, Any]:
    warm = Puts(p.token, p.session_ids)
    if p.warmup:
        await closed(p.port, warm, 4, p.warmup)
    puts = Puts(p.token, p.session_ids)
    cpu0, srv0, pg0 = own_cpu_seconds(), tree_cpu_seconds(p.server_pid), postgres_cpu_seconds()
    if p.rate:
        elapsed = await paced(p.port, puts, p.rate, p.seconds, grace=p.grace)
    else:
        elapsed = await closed(p.port, puts, p.concurrency, p.seconds)
    return {
        "elapsed": elapsed,
        "count": len(puts.latencies),
        "latencies": puts.latencies,
        "abandoned": puts.abandoned,
        "statuses": puts.statuses,
        "generator_cpu": own_cpu_seconds() - cpu0,
        "server_cpu": tree_cpu_seconds(p.server_pid) - srv0,
        "postgres_cpu": postgres_cpu_seconds() - pg0 if p.postgres else 0.0,
    }


# ---------------------------------------------------------------------------------------------
# Websocket


class WsClient(asyncio.Protocol):
    """A minimal RFC 6455 client: handshake, masked sends, unmasked receives, pong, close."""

    def __init__(
        self, port: int, deflate: bool, on_event: Callable[["WsClient", bytes, float], None]
    ):
        self.port = port
        self.offer_deflate = deflate
        self.deflate = False
        self.on_event = on_event
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.handshaken = asyncio.get_running_loop().create_future()
        self.snapshot = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None
        self.close_reason = ""
        self.events = 0
        self.matched = 0  # events of the readings being timed
        self.inflater = zlib.decompressobj(-15)
        self.key = base64.b64encode(os.urandom(16)).decode()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        lines = [
            "GET /api/live HTTP/1.1",
            f"Host: {HOST}:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self.key}",
            "Sec-WebSocket-Version: 13",
        ]
        if self.offer_deflate:
            lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def send_frame(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = bytes([0x80 | opcode, 0x80 | n])
        elif n < 65536:
            head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(head + mask + masked)

    def send_text(self, text: str) -> None:
        self.send_frame(0x1, text.encode())

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buf += data
        if not self.handshaken.done():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).lower()
            del self.buf[: end + 4]
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                self.handshaken.set_exception(RuntimeError(head.decode(errors="replace")))
                return
            self.deflate = b"permessage-deflate" in head
            self.handshaken.set_result(None)
        buf = self.buf
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            length, offset = b1 & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    return
                length, offset = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length, offset = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < offset + length:
                return
            payload = bytes(buf[offset : offset + length])
            del buf[: offset + length]
            opcode = b0 & 0x0F
            if b0 & 0x40:  # RSV1: compressed message
                payload = self.inflater.decompress(payload + b"\x00\x00\xff\xff")
            if opcode == 0x1:
                self.text(payload, now)
            elif opcode == 0x9:
                self.send_frame(0xA, payload)
            elif opcode == 0x8:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self.close_reason = payload[2:].decode(errors="replace")
                if self.transport is not None:
                    self.transport.close()

    def text(self, payload: bytes, now: float) -> None:
        if payload.startswith(BATCH_PREFIX):
            for event in batch_events(payload):
                self.events += 1
                self.on_event(self, event, now)
        elif payload.startswith(EVENT_PREFIX):
            self.events += 1
            self.on_event(self, payload, now)
        elif payload.startswith(b'{"type":"snapshot"') and not self.snapshot.done():
            self.snapshot.set_result(len(payload))

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.handshaken, self.snapshot):
            if not future.done():
                future.set_exception(
                    ConnectionError(f"closed {self.close_code} {self.close_reason}")
                )
        if not self.closed.done():
            self.closed.set_result(None)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            with contextlib.suppress(Exception):
                self.send_frame(0x8, (1000).to_bytes(2, "big"))
            self.transport.close()


async def connect_ws(
    port: int,
    token: str,
    *,
    deflate: bool,
    on_event: Callable[[WsClient, bytes, float], None],
    rcvbuf: int | None = None,
) -> WsClient:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await loop.sock_connect(sock, (HOST, port))
    _, client = await loop.create_connection(lambda: WsClient(port, deflate, on_event), sock=sock)
    await client.handshaken
    client.send_text(json.dumps({"type": "auth", "token": token}))
    await asyncio.wait_for(client.snapshot, 60)
    return client


READING_KEY = b'"reading.created"'
EVENT_PREFIX = b'{"type":"event"'
BATCH_PREFIX = b'{"type":"batch"'
MESSAGES_KEY = b'"messages":['


def batch_events(payload: bytes) -> list[bytes]:
    """The events of a `batch` frame as the bytes the server serialised for each, without
    parsing the JSON: the server joins them with commas, and each starts with EVENT_PREFIX."""
    inner = payload[payload.index(MESSAGES_KEY) + len(MESSAGES_KEY) : -2]
    first, *rest = inner.split(b"," + EVENT_PREFIX)
    return [first, *(EVENT_PREFIX + part for part in rest)]


ID_KEY = b'"reading":{"id":"'


def reading_id(payload: bytes) -> str | None:
    if READING_KEY not in payload[:120]:
        return None
    at = payload.find(ID_KEY)
    if at >= 0:
        return payload[at + len(ID_KEY) : at + len(ID_KEY) + 36].decode()
    data = json.loads(payload)  # the fast path did not match: read it properly
    value: str = data["data"]["reading"]["id"]
    return value


@dataclass(frozen=True)
class LiveParams:
    port: int
    token: str
    session_ids: list[str]
    server_pid: int
    clients: int
    rate: float
    seconds: float
    stalled: int = 0  # clients that stop reading after their snapshot
    deflate: bool = True
    connect_concurrency: int = 20
    idle_settle: float = 2.0
    postgres: bool = False
    grace: float = 5.0


def live(params: LiveParams) -> dict[str, Any]:
    return run(_live, params)  # type: ignore[no-any-return]


async def _live(p: LiveParams) -> dict[str, Any]:
    puts = Puts(p.token, p.session_ids)
    latencies: list[float] = []
    counting = [False]

    def on_event(client: WsClient, payload: bytes, now: float) -> None:
        rid = reading_id(payload)
        if rid is None or not counting[0]:
            return
        sent = puts.sent_at.get(rid)
        if sent is not None:
            client.matched += 1
            latencies.append(now - sent)

    rss_before = _rss(p.server_pid)
    sem = asyncio.Semaphore(p.connect_concurrency)
    connect_times: list[float] = []

    async def one(i: int) -> WsClient:
        async with sem:
            start = time.perf_counter()
            client = await connect_ws(
                p.port,
                p.token,
                deflate=p.deflate,
                on_event=on_event,
                rcvbuf=4096 if i < p.stalled else None,
            )
            connect_times.append(time.perf_counter() - start)
            return client

    t0 = time.perf_counter()
    clients = list(await asyncio.gather(*(one(i) for i in range(p.clients))))
    connect_seconds = time.perf_counter() - t0
    stalled, healthy = clients[: p.stalled], clients[p.stalled :]
    for client in stalled:
        assert client.transport is not None
        client.transport.pause_reading()
    await asyncio.sleep(p.idle_settle)
    rss_after = _rss(p.server_pid)

    # Warm-up: a second of events not counted, so every code path is loaded and cached.
    await paced(p.port, Puts(p.token, p.session_ids), p.rate, 1.0, pool_size=16)
    await asyncio.sleep(0.5)
    counting[0] = True
    cpu0, srv0, pg0 = own_cpu_seconds(), tree_cpu_seconds(p.server_pid), postgres_cpu_seconds()
    elapsed = await paced(p.port, puts, p.rate, p.seconds, pool_size=32, grace=p.grace)
    # Let the last events arrive (bounded), then stop counting.
    expected = len(puts.latencies)
    deadline = time.perf_counter() + 5
    while time.perf_counter() < deadline and any(c.matched < expected for c in healthy):  # noqa: ASYNC110  (polling many counters)
        await asyncio.sleep(0.05)
    counting[0] = False
    generator_cpu, server_cpu = own_cpu_seconds() - cpu0, tree_cpu_seconds(p.server_pid) - srv0
    postgres_cpu = postgres_cpu_seconds() - pg0 if p.postgres else 0.0

    stalled_closes: list[str] = []
    for client in stalled:
        assert client.transport is not None
        client.transport.resume_reading()
    if stalled:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(c.closed for c in stalled)), 10)
        stalled_closes = [f"{c.close_code} {c.close_reason}".strip() for c in stalled]
    delivered = [c.matched for c in healthy]
    closed_early = sum(1 for c in healthy if c.close_code is not None)
    for client in clients:
        client.close()
    return {
        "clients": p.clients,
        "connect_seconds": connect_seconds,
        "connect_latencies": connect_times,
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "elapsed": elapsed,
        "puts": len(puts.latencies),
        "put_latencies": puts.latencies,
        "put_statuses": puts.statuses,
        "put_abandoned": len(puts.abandoned),
        "latencies": latencies,
        "expected_per_client": expected,
        "delivered_min": min(delivered) if delivered else 0,
        "delivered_total": sum(delivered),
        "closed_early": closed_early,
        "stalled_closes": stalled_closes,
        "deflate": bool(healthy and healthy[0].deflate),
        "generator_cpu": generator_cpu,
        "server_cpu": server_cpu,
        "postgres_cpu": postgres_cpu,
    }


def _rss(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
