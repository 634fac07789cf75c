"""bedside monitors: device registry and device messages

Revision ID: 7c4d2e9f1a06
Revises: 3b7e9a1c5d42
Create Date: 2026-12-01 22:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "7c4d2e9f1a06"
down_revision: str | None = "3b7e9a1c5d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("chair", sa.String(length=64), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(), nullable=False),
        sa.Column("last_message_at", app.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
        sa.UniqueConstraint("chair", name=op.f("uq_device_chair")),
    )
    op.create_table(
        "device_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("control_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", app.db.UTCDateTime(), nullable=False),
        sa.Column("source_addr", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("ack", sa.Text(), nullable=False),
        sa.Column("resolved_at", app.db.UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolve_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["resolved_by"], ["app_user.id"], name=op.f("fk_device_message_resolved_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_session.id"],
            name=op.f("fk_device_message_session_id_infusion_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_message")),
        sa.UniqueConstraint("device_id", "control_id", name=op.f("uq_device_message_device_id")),
    )
    op.create_index(
        "ix_device_message_state", "device_message", ["state", "received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_device_message_state", table_name="device_message")
    op.drop_table("device_message")
    op.drop_table("device")
