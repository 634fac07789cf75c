"""audit key id and client address index

Revision ID: 3b7e9a1c5d20
Revises: 16670b2afe7e
Create Date: 2026-12-01 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b7e9a1c5d20"
down_revision: str | None = "16670b2afe7e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before keyed signing keep key_id NULL and verify as plain SHA-256.
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
        batch_op.create_index("ix_audit_event_client_addr", ["client_addr"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_client_addr")
        batch_op.drop_column("key_id")
