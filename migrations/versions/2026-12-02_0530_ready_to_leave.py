"""ready to leave: the REMS evaluation question answered at discharge (minutes from dosing)

Revision ID: 8e2b6f1c9d37
Revises: 3c7e91d0a4b2
Create Date: 2026-12-02 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8e2b6f1c9d37"
down_revision: str | None = "3c7e91d0a4b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("infusion_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ready_to_leave_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("infusion_session", schema=None) as batch_op:
        batch_op.drop_column("ready_to_leave_minutes")
