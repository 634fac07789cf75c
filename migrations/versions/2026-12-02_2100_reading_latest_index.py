"""a session's readings indexed in the order of its latest reading (taken_at, then recorded_at)

Revision ID: 7c3f9e2a6b18
Revises: 5a8d2c7e1f43
Create Date: 2026-12-02 21:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7c3f9e2a6b18"
down_revision: str | None = "5a8d2c7e1f43"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_reading_session_taken_recorded",
        "reading",
        ["session_id", "taken_at", "recorded_at"],
    )
    op.drop_index("ix_reading_session_taken", table_name="reading")


def downgrade() -> None:
    op.create_index("ix_reading_session_taken", "reading", ["session_id", "taken_at"])
    op.drop_index("ix_reading_session_taken_recorded", table_name="reading")
