"""alert reading indexes

Revision ID: 8f1d2c4b6a93
Revises: 5c6a82d37069
Create Date: 2026-11-22 10:35:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8f1d2c4b6a93"
down_revision: str | None = "5c6a82d37069"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index("ix_alert_first_reading_id", ["first_reading_id"], unique=False)
        batch_op.create_index("ix_alert_last_reading_id", ["last_reading_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_last_reading_id")
        batch_op.drop_index("ix_alert_first_reading_id")
