"""device readings: a monitor's reading may hold only some vitals, and says where it came from

Revision ID: 3c5e7a9b1d20
Revises: 8e2b6f1c9d37
Create Date: 2026-12-02 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c5e7a9b1d20"
down_revision: str | None = "8e2b6f1c9d37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CORE = ("heart_rate", "systolic", "diastolic", "spo2")


def upgrade() -> None:
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=8), server_default="manual", nullable=False)
        )
        batch_op.add_column(sa.Column("device_id", sa.String(length=64), nullable=True))
        for name in CORE:
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Partial device readings cannot go back into columns that require every vital, and an
    # append-only record is not deleted to make them fit.
    reading = sa.table("reading", *(sa.column(name, sa.Integer()) for name in CORE))
    partial = sa.or_(*(reading.c[name].is_(None) for name in CORE))
    if op.get_bind().execute(sa.select(sa.func.count()).where(partial)).scalar():
        raise RuntimeError("partial device readings are stored: this downgrade would lose them")
    with op.batch_alter_table("reading", schema=None) as batch_op:
        for name in CORE:
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("device_id")
        batch_op.drop_column("source")
