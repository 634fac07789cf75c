"""controlled log append-only in the database: triggers refuse UPDATE and DELETE of its rows

Revision ID: 4c1d7e2a9b60
Revises: 3c7e1a9d5b20
Create Date: 2026-12-02 04:45:00.000000

The application only ever inserts into the controlled-substance log; these triggers make the
database say so too, so a hand-run UPDATE (or a bug) cannot quietly change a vial's history.
Someone who can drop a trigger can still edit a row: the hash chain's verify finds that.
TRUNCATE fires no row trigger, so the test suite's cleanup still empties the tables.
A later SQLite batch migration of these tables recreates them without their triggers; the
append-only test (tests/controlled/test_append_only.py) then fails until they are put back.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4c1d7e2a9b60"
down_revision: str | None = "3c7e1a9d5b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("controlled_container", "controlled_entry")
MESSAGE = "the controlled-substance log is append-only: record a correction instead"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION controlled_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME "
            "USING ERRCODE = 'restrict_violation'; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION controlled_append_only()"
            )
        return
    for table in TABLES:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE} ({verb} on {table})'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION controlled_append_only()")
        return
    for table in TABLES:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{verb}")
