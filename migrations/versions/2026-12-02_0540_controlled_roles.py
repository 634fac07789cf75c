"""controlled roles: the clinic's choice of who may receive, draw, waste, witness, count, ...

Revision ID: 7e3a9c1f4d28
Revises: 3c71a9e04d52
Create Date: 2026-12-02 05:40:00.000000

No rows: an act without one is done by the roles of ledger.ROLES.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "7e3a9c1f4d28"
down_revision: str | None = "3c71a9e04d52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "controlled_role",
        sa.Column("act", sa.String(length=16), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["app_user.id"], name=op.f("fk_controlled_role_updated_by_app_user")
        ),
        sa.PrimaryKeyConstraint("act", name=op.f("pk_controlled_role")),
    )


def downgrade() -> None:
    op.drop_table("controlled_role")
