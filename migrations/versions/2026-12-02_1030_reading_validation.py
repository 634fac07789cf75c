"""nurse validation of monitor readings: who checked each device reading, and when

Revision ID: 5a8d2c7e1f43
Revises: c41e7a9b2d35
Create Date: 2026-12-02 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "5a8d2c7e1f43"
down_revision: str | None = "c41e7a9b2d35"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reading_validation",
        sa.Column("reading_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by"], ["app_user.id"], name=op.f("fk_reading_validation_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["reading_id"], ["reading.id"], name=op.f("fk_reading_validation_reading_id_reading")
        ),
        sa.PrimaryKeyConstraint("reading_id", name=op.f("pk_reading_validation")),
    )


def downgrade() -> None:
    op.drop_table("reading_validation")
