"""alert rule reason and disabled_at: loosening a rule needs a reason; dashboards show what is off

Revision ID: 5f0c2e8d7a11
Revises: bb548976a48a
Create Date: 2026-12-01 22:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "5f0c2e8d7a11"
down_revision: str | None = "bb548976a48a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_rule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("disabled_at", app.db.UTCDateTime(timezone=True), nullable=True)
        )
    # A rule already off has been off since its last change, for a reason nobody wrote down.
    rule = sa.table(
        "alert_rule",
        sa.column("id", sa.Integer()),
        sa.column("definition", sa.JSON()),
        sa.column("updated_at", app.db.UTCDateTime()),
        sa.column("reason", sa.Text()),
        sa.column("disabled_at", app.db.UTCDateTime()),
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(rule.c.id, rule.c.definition, rule.c.updated_at)).all():
        if row.definition.get("enabled", True) is False:
            bind.execute(
                rule.update()
                .where(rule.c.id == row.id)
                .values(disabled_at=row.updated_at, reason="switched off before reasons were kept")
            )


def downgrade() -> None:
    with op.batch_alter_table("alert_rule", schema=None) as batch_op:
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("reason")
