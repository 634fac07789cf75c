"""controlled losses and destruction: a loss's cause (DEA 106), a second witness (DEA 41)

Revision ID: 9751c906778e
Revises: 5f0c2e8d7a11
Create Date: 2026-12-01 23:16:33.118044
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9751c906778e"
down_revision: str | None = "5f0c2e8d7a11"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("controlled_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cause", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("second_witness_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_controlled_entry_second_witness_id_app_user"),
            "app_user",
            ["second_witness_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("controlled_entry", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_controlled_entry_second_witness_id_app_user"), type_="foreignkey"
        )
        batch_op.drop_column("second_witness_id")
        batch_op.drop_column("cause")
