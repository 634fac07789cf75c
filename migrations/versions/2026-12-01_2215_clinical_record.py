"""clinical record: side effects and their outcomes, PRN medicines, CADSS-6/MOASS/RASS assessments

Revision ID: 16670b2afe7e
Revises: 1b5c71b88d5f
Create Date: 2026-12-01 22:07:11.566708
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "16670b2afe7e"
down_revision: str | None = "1b5c71b88d5f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("scale", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("taken_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["by"], ["app_user.id"], name=op.f("fk_assessment_by_app_user")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_session.id"],
            name=op.f("fk_assessment_session_id_infusion_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assessment_session_taken", ["session_id", "taken_at"], unique=False
        )

    op.create_table(
        "side_effect",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=False),
        sa.Column("onset_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("intervention", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["by"], ["app_user.id"], name=op.f("fk_side_effect_by_app_user")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_session.id"],
            name=op.f("fk_side_effect_session_id_infusion_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_side_effect")),
    )
    with op.batch_alter_table("side_effect", schema=None) as batch_op:
        batch_op.create_index(
            "ix_side_effect_session_onset", ["session_id", "onset_at"], unique=False
        )

    op.create_table(
        "prn_dose",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("drug", sa.String(length=64), nullable=False),
        sa.Column("dose", sa.Double(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("route", sa.String(length=8), nullable=False),
        sa.Column("given_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("indication", sa.Text(), nullable=False),
        sa.Column("side_effect_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["by"], ["app_user.id"], name=op.f("fk_prn_dose_by_app_user")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["infusion_session.id"],
            name=op.f("fk_prn_dose_session_id_infusion_session"),
        ),
        sa.ForeignKeyConstraint(
            ["side_effect_id"],
            ["side_effect.id"],
            name=op.f("fk_prn_dose_side_effect_id_side_effect"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prn_dose")),
    )
    with op.batch_alter_table("prn_dose", schema=None) as batch_op:
        batch_op.create_index("ix_prn_dose_session_given", ["session_id", "given_at"], unique=False)

    op.create_table(
        "side_effect_outcome",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("side_effect_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by"], ["app_user.id"], name=op.f("fk_side_effect_outcome_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["side_effect_id"],
            ["side_effect.id"],
            name=op.f("fk_side_effect_outcome_side_effect_id_side_effect"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_side_effect_outcome")),
    )
    with op.batch_alter_table("side_effect_outcome", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_side_effect_outcome_side_effect_id"), ["side_effect_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("side_effect_outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_side_effect_outcome_side_effect_id"))

    op.drop_table("side_effect_outcome")
    with op.batch_alter_table("prn_dose", schema=None) as batch_op:
        batch_op.drop_index("ix_prn_dose_session_given")

    op.drop_table("prn_dose")
    with op.batch_alter_table("side_effect", schema=None) as batch_op:
        batch_op.drop_index("ix_side_effect_session_onset")

    op.drop_table("side_effect")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_session_taken")

    op.drop_table("assessment")
