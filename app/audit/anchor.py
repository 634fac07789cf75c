"""The audit chain's head, anchored outside the database at every commit that writes to it.

When a transaction that appended audit entries commits, the process appends the newest
entry's id and hash to an append-only file (one line, fsynced before the commit returns to its
caller; on the event loop the fsync runs on a thread of its own, which the commit awaits) and
writes the same to the structured log. A chain that was cut short or recomputed no longer
contains what was anchored, so verify sees it even when whoever changed the database also held
the HMAC key, and even for the entry written a moment ago. Ship the log (or copy the file) to
where the database's administrators cannot write, and the anchor outlives them.
"""

import asyncio
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.db import AFTER_COMMIT_WAITS, SETTLES, Database, utcnow

log = logging.getLogger("vigil.audit")

HEAD = "audit_head"


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


class _Target:
    """Where this process anchors: set by the app's start-up; a command that did not start
    the app (`vigil create-user`) reads it from its settings; None: nowhere (the bench's
    baseline)."""

    path: Path | None = None
    chosen = False


def anchor_in(path: Path | None) -> None:
    _Target.path, _Target.chosen = path, True


def _anchor_path() -> Path | None:
    if not _Target.chosen:
        from app.config import get_settings

        anchor_in(get_settings().anchor_path)
    return _Target.path


def _append_logged(path: Path, anchor: Anchor) -> None:
    try:
        append_anchor(path, anchor)
    except OSError:  # committed all the same; verify will say the newest rows are unanchored
        log.exception("audit anchor failed")


# One thread, so a process's anchors reach the file in the order its commits made them.
_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigil-audit-anchor")


def _anchor_committed(session: Session) -> None:
    head = session.info.pop(HEAD, None)
    path = _anchor_path()
    if head is None or path is None:
        return
    anchor = Anchor(head[0], head[1], utcnow())
    if not session.info.get(SETTLES):
        _append_logged(path, anchor)  # a thread of its own (the SQLite writer, a command)
        return
    # On the event loop, inside an async commit: the fsync must not stall every request of
    # this worker, so it runs on the anchor's thread and the commit awaits it (db.settled).
    waiting = asyncio.get_running_loop().run_in_executor(_WRITER, _append_logged, path, anchor)
    session.info.setdefault(AFTER_COMMIT_WAITS, []).append(waiting)


event.listen(Session, "after_commit", _anchor_committed)
event.listen(Session, "after_soft_rollback", lambda session, _tx: session.info.pop(HEAD, None))

_HEAD = select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)


async def anchor_head(database: Database) -> None:
    """Anchors the head as it is (at start-up: after a restore, the restored head)."""
    path = _anchor_path()
    try:
        async with database.read_session() as db:
            head = (await db.execute(_HEAD)).first()
        if head is not None and path is not None:
            append_anchor(path, Anchor(head[0], head[1], utcnow()))
    except Exception:  # a database or disk hiccup: the next audited commit anchors the head
        log.exception("audit anchor failed")
