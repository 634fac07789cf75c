"""SQLite's frequent writes run on a thread of their own (app.db.SQLiteThread, InlineSQLite):
what runs there, what comes back, and that its commits still reach the bus on the app's loop."""

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.alerts.rules import DEFAULT_RULES
from app.db import Database, SQLiteThread
from app.events import record_event

pytestmark = pytest.mark.anyio


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "vigil.db"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite+aiosqlite:///{path}"


async def test_work_runs_on_the_writer_thread_and_sqlite_is_called_there(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    calls: list[int] = []

    async def work(db_of_thread: Database) -> tuple[int, str]:
        async with db_of_thread.session() as db:
            raw = (await (await db.connection()).get_raw_connection()).driver_connection
            raw._conn.create_function(
                "whose_thread", 0, lambda: calls.append(threading.get_ident())
            )
            await db.execute(text("SELECT whose_thread()"))
            mode = (await db.execute(text("PRAGMA journal_mode"))).scalar_one()
        return threading.get_ident(), mode

    try:
        async with SQLiteThread(database) as thread:
            ran_on, mode = await thread.run(work)
    finally:
        await database.dispose()
    assert ran_on != threading.get_ident()
    assert calls == [ran_on]  # SQLite itself was called by that thread, not by a helper thread
    assert mode == "wal"  # the same pragmas as every other connection


async def test_database_errors_come_back_to_the_caller(sqlite_url: str) -> None:
    database = Database(sqlite_url)

    async def duplicate(db_of_thread: Database) -> None:
        async with db_of_thread.session() as db:
            insert = text(
                "INSERT INTO event (seq, type, occurred_at, data) "
                "VALUES (1000000, 'session.note_added', '2026-12-01 00:00:00', '{}')"
            )
            await db.execute(insert)
            await db.execute(insert)

    try:
        async with SQLiteThread(database) as thread:
            with pytest.raises(IntegrityError):
                await thread.run(duplicate)
            # The thread and its engine are still usable after a failed piece of work.
            assert await thread.run(_count_rules) == len(DEFAULT_RULES)
    finally:
        await database.dispose()


async def _count_rules(db_of_thread: Database) -> int:
    async with db_of_thread.session() as db:
        count: int = (await db.execute(text("SELECT count(*) FROM alert_rule"))).scalar_one()
        return count


async def test_committed_events_reach_the_hook_on_the_callers_loop(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    seen: list[tuple[int, list[Any]]] = []
    database.on_commit(lambda events: seen.append((threading.get_ident(), events)))

    async def write(db_of_thread: Database) -> int:
        async with db_of_thread.session() as db:
            event = await record_event(db, type="session.note_added", session_id=None, data={})
            await db.commit()
            return event.seq

    try:
        async with SQLiteThread(database) as thread:
            seq = await thread.run(write)
            await thread.run(_rolled_back_event)
            seq_after = await thread.run(write)
    finally:
        await database.dispose()
    # Both commits, in order, on this loop's thread; the rolled-back event never.
    assert [(who, [e.seq for e in events]) for who, events in seen] == [
        (threading.get_ident(), [seq]),
        (threading.get_ident(), [seq_after]),
    ]


async def _rolled_back_event(db_of_thread: Database) -> None:
    async with db_of_thread.session() as db:
        await record_event(db, type="session.note_added", session_id=None, data={})
        await db.rollback()
