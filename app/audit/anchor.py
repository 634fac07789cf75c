"""The audit chain's head, anchored outside the database.

Every `audit_anchor_seconds` (and when the app stops) each process appends the newest entry's
id and hash to an append-only file and writes the same to the structured log. A chain that
was cut short or recomputed no longer contains what was anchored, so verify sees it even when
whoever changed the database also held the HMAC key. Ship the log (or copy the file) to where
the database's administrators cannot write, and the anchor outlives them.
"""

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import anyio
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import Database, utcnow

log = logging.getLogger("vigil.audit")


@dataclass(frozen=True)
class Anchor:
    id: int
    hash: str
    at: datetime


def append_anchor(path: Path, anchor: Anchor) -> None:
    line = json.dumps({"at": anchor.at.isoformat(), "id": anchor.id, "hash": anchor.hash})
    path.parent.mkdir(parents=True, exist_ok=True)
    # One write of one short line with O_APPEND: several workers' lines never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    log.info("audit.anchor", extra={"audit_id": anchor.id, "audit_hash": anchor.hash})


def read_anchors(path: Path) -> list[Anchor]:
    """Anchors in the order written; a line that does not parse (a torn last write) is
    skipped."""
    if not path.exists():
        return []
    anchors = []
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
            anchors.append(
                Anchor(int(entry["id"]), str(entry["hash"]), datetime.fromisoformat(entry["at"]))
            )
        except (ValueError, KeyError, TypeError):
            continue
    return anchors


_HEAD = select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)


class Anchorer:
    """Anchors this database's audit head in `path` whenever it moved."""

    def __init__(self, database: Database, path: Path, every_seconds: float) -> None:
        self._database, self._path, self._every = database, path, every_seconds
        self._last: tuple[int, str] | None = None

    async def anchor(self) -> Anchor | None:
        async with self._database.read_session() as db:
            head = (await db.execute(_HEAD)).first()
        if head is None or (head[0], head[1]) == self._last:
            return None
        anchor = Anchor(head[0], head[1], utcnow())
        await anyio.to_thread.run_sync(append_anchor, self._path, anchor)
        self._last = (anchor.id, anchor.hash)
        return anchor

    async def anchor_quietly(self) -> None:
        try:
            await self.anchor()
        except Exception:  # a database or disk hiccup: the next turn anchors the head
            log.exception("audit anchor failed")

    async def run(self) -> None:
        while True:
            await anyio.sleep(self._every)
            await self.anchor_quietly()
