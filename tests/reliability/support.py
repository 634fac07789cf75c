"""A nurse tablet's outbox, as a test client: each reading has a client UUID and is PUT again,
unchanged, until the server acknowledges it with a 2xx; then the exactly-once checks."""

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select

from app.db import Database
from app.events import Event
from app.vitals.models import Reading
from tests import factories

RETRY_PAUSE = 0.05
MAX_ATTEMPTS = 1200  # per reading: ~60 s of retrying at most


@dataclass
class Outbox:
    base_url: str
    token: str
    session_id: str
    timeout: float = 20
    acknowledged: dict[str, int] = field(default_factory=dict)  # id → 200/201
    retried: set[str] = field(default_factory=set)
    answers: Counter[str] = field(default_factory=Counter)  # status or error kind → count
    unexpected: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def acknowledged_more(self, count: int, writer: asyncio.Task[None]) -> None:
        """Wait (at most ~10 s) until `count` more readings are acknowledged or the writer ends."""
        target = len(self.acknowledged) + count
        for _ in range(2000):
            if len(self.acknowledged) >= target or writer.done():
                return
            await asyncio.sleep(0.005)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=self.timeout,
        )

    async def deliver(self, client: httpx.AsyncClient, index: int) -> None:
        reading_id = str(uuid.uuid4())
        body = factories.vitals(taken_at=datetime.now(UTC).isoformat(), heart_rate=60 + index % 50)
        url = f"/api/sessions/{self.session_id}/readings/{reading_id}"
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                self.retried.add(reading_id)
                await asyncio.sleep(RETRY_PAUSE)
            try:
                answer = await client.put(url, json=body)
            except httpx.TimeoutException:
                self.answers["timeout"] += 1  # a hang: never acceptable
                self.unexpected.append(f"{reading_id}: no answer within {self.timeout} s")
                continue
            except httpx.TransportError as exc:
                self.answers[type(exc).__name__] += 1  # server down: retry
                continue
            self.answers[str(answer.status_code)] += 1
            if answer.status_code in (200, 201):
                self.acknowledged[reading_id] = answer.status_code
                return
            if answer.status_code == 503:
                detail = answer.json().get("detail", "")
                if "database" not in detail.lower() or "retry" not in detail.lower():
                    self.unexpected.append(f"503 without a clear message: {answer.text}")
                continue
            self.unexpected.append(f"{reading_id}: {answer.status_code} {answer.text[:300]}")
            return
        self.unexpected.append(f"{reading_id}: not acknowledged after {MAX_ATTEMPTS} attempts")

    async def run(self, limit: int = 100_000) -> None:
        """Deliver readings one after another until told to stop (bounded by `limit`)."""
        async with self.client() as client:
            for index in range(limit):
                if self.stop.is_set():
                    return
                await self.deliver(client, index)


async def stored_counts(database_url: str, session_id: str) -> tuple[Counter[str], Counter[str]]:
    """Straight from the database: reading rows per id, and reading.created events per id."""
    database = Database(database_url)
    try:
        async with database.read_session() as db:
            sid = uuid.UUID(session_id)
            rows = Counter(
                str(r)
                for r in await db.scalars(select(Reading.id).where(Reading.session_id == sid))
            )
            events = Counter(
                str(data["reading"]["id"])
                for data in await db.scalars(
                    select(Event.data).where(
                        Event.type == "reading.created", Event.session_id == sid
                    )
                )
            )
            total = await db.scalar(select(func.count()).select_from(Reading))
            assert total == sum(rows.values())
        return rows, events
    finally:
        await database.dispose()


async def assert_exactly_once(outbox: Outbox, database_url: str) -> None:
    assert not outbox.unexpected, outbox.unexpected[:10]
    async with outbox.client() as client:
        listed = await client.get(f"/api/sessions/{outbox.session_id}/readings")
        assert listed.status_code == 200
    via_api = Counter(r["id"] for r in listed.json())
    rows, events = await stored_counts(database_url, outbox.session_id)
    expected = Counter(outbox.acknowledged.keys())  # every acknowledged id, once
    for name, seen in (("API list", via_api), ("reading rows", rows), ("events", events)):
        assert seen == expected, (
            f"{name}: missing {sorted(expected - seen)[:5]}, extra {sorted(seen - expected)[:5]}, "
            f"doubled {[k for k, n in seen.items() if n > 1][:5]}; {len(seen)} vs {len(expected)}"
        )
    assert outbox.retried <= set(expected)


async def open_session(base_url: str, token: str) -> str:
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        s = await factories.session(client)
    return str(s["id"])


def summary(outbox: Outbox, **extra: Any) -> str:
    parts = [
        f"acknowledged={len(outbox.acknowledged)}",
        f"retried={len(outbox.retried)}",
        f"answers={dict(sorted(outbox.answers.items()))}",
    ]
    parts += [f"{k}={v}" for k, v in extra.items()]
    return " ".join(parts)
