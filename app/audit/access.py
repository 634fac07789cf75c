"""Reads of a patient's record, audited (HIPAA 164.312(b)), once per user, record and window;
lists that show patients (the session list, patient search), once per user, view and window.

A dashboard re-reads a session every few seconds; one row per read would bury the log. So a
process remembers whom it has recorded reading what, and writes again only after
`access_audit_minutes` (each worker remembers for itself: at most one row per worker).
"""

import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import append_audit, audit_entry
from app.auth.models import User
from app.db import Database

ACTION = "record.read"
LIST_ACTION = "record.list"
# What a list entry keeps of the filters (a search term is typed by the user).
_QUERY_LIMIT = 100
# A successful GET whose route names one of these reads that record. New routes under a
# session or a patient are covered without a list to keep up to date.
RECORD_PARAMS = {"session_id": "session", "patient_id": "patient", "course_id": "course"}
# Exports write their own audit row, with the format and the range.
SELF_AUDITED = ("/api/exports/",)
_MEMORY_LIMIT = 50_000

log = logging.getLogger("vigil.audit")


def records_read(
    route: str, path_params: Mapping[str, Any], query: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The records (type, id) a successful GET of `route` showed."""
    if route.startswith(SELF_AUDITED):
        return []
    found = [(kind, str(path_params[p])) for p, kind in RECORD_PARAMS.items() if p in path_params]
    if not found and route.startswith("/api/") and query.get("session_id"):
        try:  # `GET /api/alerts?session_id=`: a valid id only (the route refused others)
            found = [("session", str(uuid.UUID(query["session_id"])))]
        except ValueError:
            return []
    return found


class AccessLog:
    def __init__(self, database: Database, minutes: float) -> None:
        self._database = database
        self._window = minutes * 60
        self._recorded: dict[tuple[uuid.UUID, str, str], float] = {}

    def _due(self, key: tuple[uuid.UUID, str, str]) -> bool:
        now = time.monotonic()
        last = self._recorded.get(key)
        if last is not None and now - last < self._window:
            return False
        if len(self._recorded) >= _MEMORY_LIMIT:
            self._recorded = {k: t for k, t in self._recorded.items() if now - t < self._window}
        self._recorded[key] = now
        return True

    async def saw(self, user_id: uuid.UUID, records: list[tuple[str, str]], view: str) -> None:
        """Audits the records not yet recorded for this user in the window; never raises (the
        answer has been sent; a failure is logged and tried again on the next read)."""
        due = [r for r in records if self._due((user_id, *r))]
        if not due:
            return
        try:
            async with self._database.session() as db:
                user = await db.get(User, user_id)
                rows = [
                    audit_entry(
                        action=ACTION,
                        user=user,
                        target_type=kind,
                        target_id=target,
                        details={"view": view},
                    )
                    for kind, target in due
                ]
                await append_audit(db, rows)
                await db.commit()
        except Exception:
            for record in due:
                self._recorded.pop((user_id, *record), None)
            log.exception("access audit failed")

    async def listed(
        self,
        db: AsyncSession,
        user: User,
        *,
        view: str,
        query: Mapping[str, str],
        kind: str,
        shown: list[str],
    ) -> None:
        """Audits a list of records (`kind` ids, as shown) once per user, view and filters in
        the window: the same search or list again within it adds nothing, another term does.
        In the caller's transaction (SQLite has one writer: a second session would wait on it)."""
        filters = "&".join(f"{k}={v.strip().lower()}" for k, v in sorted(query.items()) if v)
        key = (f"list:{view}", filters[:_QUERY_LIMIT])
        if not self._due((user.id, *key)):
            return
        row = audit_entry(
            action=LIST_ACTION,
            user=user,
            target_type=kind,
            details={"view": view, "query": key[1], "shown": shown},
        )
        try:
            await append_audit(db, [row])
            await db.commit()
        except Exception:
            self._recorded.pop((user.id, *key), None)
            raise
