"""The database itself refuses to change or remove a controlled-log row, on SQLite and
PostgreSQL; the test suite's TRUNCATE cleanup still empties the tables."""

import uuid

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from app.controlled.models import Container, LogEntry
from tests.conftest import _truncate
from tests.controlled.test_log import receive

pytestmark = pytest.mark.anyio


async def test_a_raw_update_or_delete_of_the_log_fails(app, staff, site):
    vial = uuid.UUID((await receive(staff, site))[0]["id"])
    refused = [
        update(LogEntry).where(LogEntry.container_id == vial).values(amount_ml=1),
        delete(LogEntry).where(LogEntry.container_id == vial),
        update(Container).where(Container.id == vial).values(lot="OTHER"),
        delete(Container).where(Container.id == vial),
    ]
    for statement in refused:
        async with app.state.database.session() as db:
            with pytest.raises(DBAPIError, match="append-only"):
                await db.execute(statement)
            await db.rollback()
    async with app.state.database.session() as db:
        amounts = (await db.scalars(select(LogEntry.amount_ml))).all()
        lots = (await db.scalars(select(Container.lot))).all()
    assert amounts == [10.0] * 10 and set(lots) == {"KX2291"}
    # Appending is what the log is for.
    answer = await staff.admin.get(f"/api/controlled/sites/{site}/verify")
    assert answer.json()["ok"] is True


@pytest.mark.postgres
async def test_truncate_still_empties_the_log_on_postgresql(app, staff, site, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("TRUNCATE is the PostgreSQL cleanup")
    await receive(staff, site)
    await _truncate(database_url)
    async with app.state.database.session() as db:
        left = await db.scalar(select(func.count()).select_from(LogEntry))
    assert left == 0
