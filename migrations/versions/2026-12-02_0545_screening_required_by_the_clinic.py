"""screening required by the clinic: the protocol rule screening_required leaves the stored rules

The clinic's setting VIGIL_SCREENING_REQUIRED (on unless turned off) now says whether the infusion
may start without a screening form, for every protocol; the per-protocol flag (off by default)
is taken out of the protocols and of the rules each session froze, which no longer accept it.

Revision ID: 3c7e91d0a4b2
Revises: 7e3a9c1f4d28
Create Date: 2026-12-02 05:45:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "3c7e91d0a4b2"
down_revision: str | None = "7e3a9c1f4d28"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAG = "screening_required"
STORED = (("protocol", "rules"), ("infusion_session", "protocol_rules"))


def _rewrite(table: str, column: str, change: Any) -> None:
    t = sa.table(table, sa.column("id", sa.Uuid()), sa.column(column, sa.JSON()))
    bind = op.get_bind()
    for row_id, rules in bind.execute(sa.select(t.c.id, t.c[column])).all():
        changed = change(dict(rules))
        if changed is not None:
            bind.execute(t.update().where(t.c.id == row_id).values({column: changed}))


def upgrade() -> None:
    def drop(rules: dict[str, Any]) -> dict[str, Any] | None:
        return None if FLAG not in rules else {k: v for k, v in rules.items() if k != FLAG}

    for table, column in STORED:
        _rewrite(table, column, drop)


def downgrade() -> None:
    # Before, a protocol required the screening only when it said so; off was the default.
    def add(rules: dict[str, Any]) -> dict[str, Any]:
        return rules | {FLAG: False}

    for table, column in STORED:
        _rewrite(table, column, add)
