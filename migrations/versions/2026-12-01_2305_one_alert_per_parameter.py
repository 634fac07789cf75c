"""one open alert per parameter: open baseline-rise alerts fold into their parameter's alert

Revision ID: 3b7e9a1c5d42
Revises: d1534fab7663
Create Date: 2026-12-01 22:25:00.000000

From now on a baseline rule shares the alert of the absolute rule on the same parameter and
direction (`alert.rule` holds that group's code). An open `sbp_rise` / `dbp_rise` alert is
renamed to `sbp_high` / `dbp_high`, or, where that alert is open too, resolved into it.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "3b7e9a1c5d42"
down_revision: str | None = "d1534fab7663"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen: the grouping of the rule codes as of this migration.
GROUPS = {"sbp_rise": "sbp_high", "dbp_rise": "dbp_high"}

alert = sa.table(
    "alert",
    sa.column("id", sa.Uuid()),
    sa.column("session_id", sa.Uuid()),
    sa.column("rule", sa.String()),
    sa.column("state", sa.String()),
    sa.column("resolved_at", app.db.UTCDateTime()),
    sa.column("updated_at", app.db.UTCDateTime()),
    sa.column("resolved_reason", sa.Text()),
)


def upgrade() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    for rise, group in GROUPS.items():
        rows = bind.execute(
            sa.select(alert.c.id, alert.c.session_id).where(
                alert.c.rule == rise, alert.c.state != "resolved"
            )
        ).all()
        for row in rows:
            taken = bind.execute(
                sa.select(alert.c.id).where(
                    alert.c.session_id == row.session_id,
                    alert.c.rule == group,
                    alert.c.state != "resolved",
                )
            ).first()
            change = (
                {
                    "state": "resolved",
                    "resolved_at": now,
                    "updated_at": now,
                    "resolved_reason": "Folded into the open alert of the same parameter",
                }
                if taken
                else {"rule": group}
            )
            bind.execute(alert.update().where(alert.c.id == row.id).values(**change))


def downgrade() -> None:
    # Renamed alerts stay under their parameter's code: which rule decided is in `kind`.
    pass
