"""SQLite's frequent writes run on a thread of their own (app.db.WriterThread, a synchronous
engine): what runs there, what comes back, and that its commits still reach the bus on the
app's loop."""

import threading
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.alerts.rules import DEFAULT_RULES
from app.db import Database, WriterThread
from app.events import Event, write_events

pytestmark = pytest.mark.anyio


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "vigil.db"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite+aiosqlite:///{path}"


async def test_work_runs_on_the_writer_thread_and_sqlite_is_called_there(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    calls: list[int] = []

    def work(session: Session) -> tuple[int, str]:
        raw = session.connection().connection.driver_connection
        raw.create_function("whose_thread", 0, lambda: calls.append(threading.get_ident()))
        session.execute(text("SELECT whose_thread()"))
        mode: str = session.execute(text("PRAGMA journal_mode")).scalar_one()
        return threading.get_ident(), mode

    thread = WriterThread(database)
    try:
        ran_on, mode = await thread.run(work)
        again, _mode = await thread.run(work)
    finally:
        await thread.close()
        await database.dispose()
    assert ran_on != threading.get_ident() and again == ran_on  # one thread, not the loop's
    assert calls == [ran_on, ran_on]  # SQLite itself was called by that thread
    assert mode == "wal"  # the same pragmas as every other connection


async def test_database_errors_come_back_to_the_caller(sqlite_url: str) -> None:
    database = Database(sqlite_url)

    def duplicate(session: Session) -> None:
        insert = text(
            "INSERT INTO event (seq, type, occurred_at, data) "
            "VALUES (1000000, 'session.note_added', '2026-12-01 00:00:00', '{}')"
        )
        session.execute(insert)
        session.execute(insert)

    def count_rules(session: Session) -> int:
        count: int = session.execute(text("SELECT count(*) FROM alert_rule")).scalar_one()
        return count

    thread = WriterThread(database)
    try:
        with pytest.raises(IntegrityError):
            await thread.run(duplicate)
        # The thread and its engine are still usable after a failed piece of work.
        assert await thread.run(count_rules) == len(DEFAULT_RULES)
    finally:
        await thread.close()
        await database.dispose()


async def test_committed_events_reach_the_hook_on_the_callers_loop(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    seen: list[tuple[int, list[Any]]] = []
    database.on_commit(lambda events: seen.append((threading.get_ident(), events)))

    def write(session: Session) -> int:
        event = Event(type="session.note_added", session_id=None, data={})
        write_events(session, [event])
        session.commit()
        return event.seq

    def rolled_back(session: Session) -> None:
        write_events(session, [Event(type="session.note_added", session_id=None, data={})])
        session.rollback()

    thread = WriterThread(database)
    try:
        seq = await thread.run(write)
        await thread.run(rolled_back)
        seq_after = await thread.run(write)
        # The hook runs on this loop soon after the commit, not inside the thread.
        for _ in range(10):
            if len(seen) == 2:
                break
            await anyio.sleep(0.01)
    finally:
        await thread.close()
        await database.dispose()
    # Both commits, in order, on this loop's thread; the rolled-back event never.
    assert [(who, [e.seq for e in events]) for who, events in seen] == [
        (threading.get_ident(), [seq]),
        (threading.get_ident(), [seq_after]),
    ]
