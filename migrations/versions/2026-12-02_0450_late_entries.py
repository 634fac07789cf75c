"""reading.late_reason: a reading entered after its session ended, with the reason

Revision ID: 3c71a9e04d52
Revises: 4c1d7e2a9b60
Create Date: 2026-12-02 04:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c71a9e04d52"
down_revision: str | None = "4c1d7e2a9b60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.add_column(sa.Column("late_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.drop_column("late_reason")
