"""escalation notice outbox: escalated high alerts sent to the site's webhook, retried

Revision ID: 3c7e1a9d5b20
Revises: 9751c906778e
Create Date: 2026-12-02 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "3c7e1a9d5b20"
down_revision: str | None = "9751c906778e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "escalation_notice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("gave_up_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_escalation_notice_alert_id_alert")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_escalation_notice_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_notice")),
    )
    with op.batch_alter_table("escalation_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_notice_alert_id"), ["alert_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_escalation_notice_next_attempt_at"), ["next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("escalation_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_notice_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_escalation_notice_alert_id"))
    op.drop_table("escalation_notice")
