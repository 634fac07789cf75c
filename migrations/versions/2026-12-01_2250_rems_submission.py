"""rems submission: which Spravato sessions' REMS monitoring forms were sent

Revision ID: b8263b78f398
Revises: 1c143f4c2e4e
Create Date: 2026-12-01 22:45:21.162180
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "b8263b78f398"
down_revision: str | None = "1c143f4c2e4e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rems_submission",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("submitted_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["by"], ["app_user.id"], name=op.f("fk_rems_submission_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_session.id"],
            name=op.f("fk_rems_submission_session_id_infusion_session"),
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_rems_submission")),
    )


def downgrade() -> None:
    op.drop_table("rems_submission")
