"""bedside monitors bound to chairs by the chair's id

Revision ID: 8d5e3f0a2b17
Revises: 7c4d2e9f1a06
Create Date: 2026-12-01 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d5e3f0a2b17"
down_revision: str | None = "7c4d2e9f1a06"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The text binding came first, before chairs were data; no clinic has registered a monitor
    # with it, so it is replaced rather than translated.
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_constraint("uq_device_chair", type_="unique")
        batch_op.drop_column("chair")
        batch_op.add_column(sa.Column("chair_id", sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint("uq_device_chair_id", ["chair_id"])
        batch_op.create_foreign_key("fk_device_chair_id_chair", "chair", ["chair_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_constraint("fk_device_chair_id_chair", type_="foreignkey")
        batch_op.drop_constraint("uq_device_chair_id", type_="unique")
        batch_op.drop_column("chair_id")
        batch_op.add_column(sa.Column("chair", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_device_chair", ["chair"])
