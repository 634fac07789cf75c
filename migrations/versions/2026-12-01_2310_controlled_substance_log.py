"""controlled substance log: containers per site and their chained, append-only entries

Revision ID: bb548976a48a
Revises: 8d5e3f0a2b17
Create Date: 2026-12-01 22:42:49.114181
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "bb548976a48a"
down_revision: str | None = "8d5e3f0a2b17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "controlled_container",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("drug", sa.String(length=64), nullable=False),
        sa.Column("ndc", sa.String(length=16), nullable=False),
        sa.Column("concentration_mg_per_ml", sa.Double(), nullable=False),
        sa.Column("volume_ml", sa.Double(), nullable=False),
        sa.Column("lot", sa.String(length=64), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("invoice", sa.String(length=64), nullable=False),
        sa.Column("received_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_controlled_container_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_controlled_container")),
    )
    with op.batch_alter_table("controlled_container", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_controlled_container_site_id"), ["site_id"], unique=False
        )

    op.create_table(
        "controlled_entry",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("container_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=False),
        sa.Column("witness_id", sa.Uuid(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("amount_ml", sa.Double(), nullable=False),
        sa.Column("expected_ml", sa.Double(), nullable=True),
        sa.Column("refers_to", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("period", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["by"], ["app_user.id"], name=op.f("fk_controlled_entry_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["container_id"],
            ["controlled_container.id"],
            name=op.f("fk_controlled_entry_container_id_controlled_container"),
        ),
        sa.ForeignKeyConstraint(
            ["refers_to"],
            ["controlled_entry.id"],
            name=op.f("fk_controlled_entry_refers_to_controlled_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_session.id"],
            name=op.f("fk_controlled_entry_session_id_infusion_session"),
        ),
        sa.ForeignKeyConstraint(
            ["witness_id"], ["app_user.id"], name=op.f("fk_controlled_entry_witness_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_controlled_entry_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_controlled_entry")),
    )
    with op.batch_alter_table("controlled_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_controlled_entry_container_id"), ["container_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_controlled_entry_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index("ix_controlled_entry_site_id_id", ["site_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("controlled_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_controlled_entry_site_id_id")
        batch_op.drop_index(batch_op.f("ix_controlled_entry_session_id"))
        batch_op.drop_index(batch_op.f("ix_controlled_entry_container_id"))

    op.drop_table("controlled_entry")
    with op.batch_alter_table("controlled_container", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_controlled_container_site_id"))

    op.drop_table("controlled_container")
