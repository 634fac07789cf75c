"""screening: the pre-treatment form with its hard stops, cautions and physician override

Revision ID: 1c143f4c2e4e
Revises: 7c2d4e6f8a10
Create Date: 2026-12-01 22:33:01.545189
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "1c143f4c2e4e"
down_revision: str | None = "7c2d4e6f8a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("medicines", sa.JSON(), nullable=False),
        sa.Column("bp_history", sa.Text(), nullable=True),
        sa.Column("allergies", sa.Text(), nullable=True),
        sa.Column("other_medicines", sa.Text(), nullable=True),
        sa.Column("last_food_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escort_name", sa.String(length=120), nullable=False),
        sa.Column("escort_phone", sa.String(length=40), nullable=False),
        sa.Column("hard_stops", sa.JSON(), nullable=False),
        sa.Column("cautions", sa.JSON(), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("override_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("override_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["by"], ["app_user.id"], name=op.f("fk_screening_by_app_user")),
        sa.ForeignKeyConstraint(
            ["override_by"], ["app_user.id"], name=op.f("fk_screening_override_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_session.id"],
            name=op.f("fk_screening_session_id_infusion_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening")),
    )
    with op.batch_alter_table("screening", schema=None) as batch_op:
        batch_op.create_index("ix_screening_session_at", ["session_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("screening", schema=None) as batch_op:
        batch_op.drop_index("ix_screening_session_at")

    op.drop_table("screening")
