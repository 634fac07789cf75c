"""infusion record: the order with its second check, the pump log, the tile on the session

Revision ID: 1b5c71b88d5f
Revises: 0c3b6e7e1776
Create Date: 2026-12-01 21:58:54.016841
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "1b5c71b88d5f"
down_revision: str | None = "0c3b6e7e1776"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "infusion_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=False),
        sa.Column("rate_mg_per_kg_h", sa.Double(), nullable=True),
        sa.Column("rate_ml_per_h", sa.Double(), nullable=True),
        sa.Column("bolus_mg", sa.Double(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by"], ["app_user.id"], name=op.f("fk_infusion_event_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_session.id"],
            name=op.f("fk_infusion_event_session_id_infusion_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_infusion_event")),
    )
    with op.batch_alter_table("infusion_event", schema=None) as batch_op:
        batch_op.create_index("ix_infusion_event_session_at", ["session_id", "at"], unique=False)

    op.create_table(
        "infusion_order",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("drug", sa.String(length=64), nullable=False),
        sa.Column("concentration_mg_per_ml", sa.Double(), nullable=False),
        sa.Column("lot", sa.String(length=64), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=False),
        sa.Column("dose_mg_per_kg", sa.Double(), nullable=False),
        sa.Column("planned_dose_mg", sa.Double(), nullable=False),
        sa.Column("rate_mg_per_kg_h", sa.Double(), nullable=False),
        sa.Column("rate_ml_per_h", sa.Double(), nullable=False),
        sa.Column("prepared_by", sa.Uuid(), nullable=False),
        sa.Column("prepared_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.Uuid(), nullable=True),
        sa.Column("verified_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_ml_per_h", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["prepared_by"], ["app_user.id"], name=op.f("fk_infusion_order_prepared_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_session.id"],
            name=op.f("fk_infusion_order_session_id_infusion_session"),
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["app_user.id"], name=op.f("fk_infusion_order_verified_by_app_user")
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_infusion_order")),
    )
    with op.batch_alter_table("infusion_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("infusion", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("infusion_session", schema=None) as batch_op:
        batch_op.drop_column("infusion")

    op.drop_table("infusion_order")
    with op.batch_alter_table("infusion_event", schema=None) as batch_op:
        batch_op.drop_index("ix_infusion_event_session_at")

    op.drop_table("infusion_event")
