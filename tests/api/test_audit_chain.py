"""The audit log proves itself: truncation and recomputation are caught by the anchor, edits by
the HMAC (issue 17, finding 3)."""

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.audit import anchor
from app.audit.anchor import read_anchors
from app.audit.keys import load_keys, rotate_keys
from app.audit.models import AuditEvent
from app.audit.service import GENESIS, row_hash, signing_keys, use_keys
from tests import factories

pytestmark = pytest.mark.anyio

VIGIL = Path(sys.executable).parent / "vigil"


async def busy_log(staff: Any, app: Any) -> None:
    """Some audited work (each commit anchors the head it wrote)."""
    for _ in range(3):
        await factories.patient(staff.nurse)


async def delete_newest(app: Any, count: int = 1) -> int:
    """Deletes the newest `count` audit rows, as someone at an SQL console would; the newest id."""
    async with app.state.database.session() as db:
        newest = await db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        assert newest is not None
        await db.execute(delete(AuditEvent).where(AuditEvent.id > newest - count))
        await db.commit()
    return newest


async def verify(staff: Any) -> dict[str, Any]:
    answer = await staff.admin.get("/api/audit/verify")
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


async def test_intact_log_verifies_against_its_anchor(staff, app, settings):
    await busy_log(staff, app)
    check = await verify(staff)
    assert check["ok"] is True, check
    assert check["anchored_id"] == read_anchors(settings.anchor_path)[-1].id
    assert "hold every anchor" in check["message"]


async def test_finding_deleting_the_newest_rows_is_detected(staff, app):
    await busy_log(staff, app)
    newest = await delete_newest(app, 2)
    check = await verify(staff)
    assert check["ok"] is False
    assert "missing" in check["message"] and f"entry {newest - 1}," in check["message"]
    assert f"the newest anchored entry is {newest};" in check["message"]


async def test_deleting_the_row_just_written_is_detected(staff, app, settings):
    """No window at the end: the commit that wrote the entry anchored it before answering."""
    await factories.patient(staff.nurse)
    newest = await delete_newest(app)
    assert read_anchors(settings.anchor_path)[-1].id == newest
    check = await verify(staff)
    assert check["ok"] is False and f"entry {newest}," in check["message"]


async def test_every_audited_commit_anchors_once(staff, app, settings):
    before = len(read_anchors(settings.anchor_path))
    await factories.patient(staff.nurse)  # one commit, one audit row
    await staff.nurse.get("/api/auth/me")  # no audit row, no anchor
    anchors = read_anchors(settings.anchor_path)
    assert len(anchors) == before + 1
    async with app.state.database.session() as db:
        head = (
            await db.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()))
        ).first()
    assert head is not None and (anchors[-1].id, anchors[-1].hash) == tuple(head)


async def test_a_reading_anchors_before_its_answer(staff, app, settings):
    """The reading batches' own commit (PostgreSQL: inside `run_sync`) anchors too."""
    session = await factories.session(staff.nurse)
    answer = await factories.put_reading(staff.nurse, session["id"])
    assert answer.status_code == 201, answer.text
    async with app.state.database.session() as db:
        head = await db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert read_anchors(settings.anchor_path)[-1].id == head


async def test_a_slow_anchor_disk_stalls_only_its_own_commit(staff, app, settings, monkeypatch):
    """The fsync runs off the event loop: while it hangs, the same worker answers others, and
    the audited request answers only once its anchor is on disk."""
    on_disk, release = threading.Event(), threading.Event()
    real = anchor.append_anchor

    def slow_disk(path: Path, head: anchor.Anchor) -> None:
        on_disk.set()
        release.wait(30)
        real(path, head)

    monkeypatch.setattr(anchor, "append_anchor", slow_disk)
    before = len(read_anchors(settings.anchor_path))
    audited = asyncio.create_task(factories.patient(staff.nurse))
    # With the fsync on the event loop, nothing would run here until the disk answered.
    assert await asyncio.to_thread(on_disk.wait, 30)
    answer = await staff.physician.get("/api/auth/me")
    assert answer.status_code == 200
    assert not audited.done()
    assert len(read_anchors(settings.anchor_path)) == before
    release.set()
    await audited
    assert len(read_anchors(settings.anchor_path)) == before + 1


async def test_finding_an_edit_recomputed_with_the_apps_own_function_is_detected(staff, app):
    """The strongest attacker: database access and the HMAC key. The anchor still catches it."""
    await busy_log(staff, app)
    keys = signing_keys()
    async with app.state.database.session() as db:
        rows = (await db.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
        rows[1].details = {"rewritten": True}
        prev = GENESIS
        for row in rows:
            row.prev_hash = prev
            row.hash = prev = row_hash(row, keys)
        await db.commit()
    check = await verify(staff)
    assert check["ok"] is False
    assert "rewritten" in check["message"]


async def test_an_edit_without_the_key_is_detected(staff, app):
    await busy_log(staff, app)
    async with app.state.database.session() as db:
        row = await db.scalar(select(AuditEvent).order_by(AuditEvent.id).limit(1))
        assert row is not None
        row.details = {"rewritten": True}
        await db.commit()
    check = await verify(staff)
    assert check["ok"] is False and check["first_bad_id"] == row.id
    assert "altered" in check["message"]


async def test_an_unkeyed_recomputation_is_detected(staff, app):
    """Rows downgraded to the pre-HMAC hash (no key needed) no longer match the anchor."""
    await busy_log(staff, app)
    async with app.state.database.session() as db:
        rows = (await db.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
        prev = GENESIS
        for row in rows:
            row.key_id, row.prev_hash = None, prev
            row.hash = prev = row_hash(row, signing_keys())
        await db.commit()
    check = await verify(staff)
    assert check["ok"] is False


async def test_a_rotated_key_signs_new_rows_and_old_rows_still_verify(staff, app, settings):
    await busy_log(staff, app)
    new_id = rotate_keys(settings.audit_key_file)
    use_keys(load_keys(settings.audit_key_file))  # as a restart would
    await busy_log(staff, app)
    async with app.state.database.session() as db:
        kids = set((await db.scalars(select(AuditEvent.key_id))).all())
    assert kids == {"k1", new_id}
    assert (await verify(staff))["ok"] is True


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_vigil_audit_verify_reports_truncation(staff, app, settings):
    """The newest row deleted right after it was written, caught by the command too."""
    await busy_log(staff, app)
    env = os.environ | {
        "VIGIL_DATABASE_URL": settings.database_url,
        "VIGIL_AUDIT_KEY_FILE": str(settings.audit_key_file),
        "VIGIL_AUDIT_ANCHOR_FILE": str(settings.anchor_path),
    }

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [VIGIL, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60
        )

    intact = run()
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stdout
    await delete_newest(app)
    cut = run()
    assert cut.returncode == 1
    assert "missing" in cut.stdout
