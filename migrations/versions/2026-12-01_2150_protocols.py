"""protocols as data: IV ketamine and Spravato seeded; a session takes its rules from its protocol

Revision ID: 9c2597a90dc1
Revises: 8f1d2c4b6a93
Create Date: 2026-12-01 21:50:17.293461
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "9c2597a90dc1"
down_revision: str | None = "8f1d2c4b6a93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The protocols as signed off on 2026-12-01, frozen here: a later change of the defaults in app
# code must come with a migration of its own (tests/api/test_migrations.py says when it does not).
SEEDED: dict[str, dict[str, object]] = {
    "iv-ketamine": {
        "name": "IV ketamine (weight-based)",
        "rules": {
            "drug": "ketamine",
            "route": "iv",
            "dosing": "weight_based",
            "dose_mg_per_kg_min": 0.1,
            "dose_mg_per_kg_max": 1.0,
            "fixed_doses_mg": [],
            "mg_per_device": None,
            "planned_minutes": 40,
            "phase_labels": {"infusion": "infusion", "recovery": "recovery"},
            "infusion_check_seconds": 600.0,
            "recovery_check_seconds": 900.0,
            "min_recovery_minutes": 30.0,
            "min_observation_minutes": None,
            "baseline_max_systolic": 140,
            "baseline_max_diastolic": 90,
            "checkpoints": [],
        },
    },
    "spravato": {
        "name": "Spravato (esketamine) intranasal",
        "rules": {
            "drug": "esketamine",
            "route": "intranasal",
            "dosing": "fixed",
            "dose_mg_per_kg_min": None,
            "dose_mg_per_kg_max": None,
            "fixed_doses_mg": [56.0, 84.0],
            "mg_per_device": 28.0,
            "planned_minutes": 10,
            "phase_labels": {
                "infusion": "dosing",
                "paused": "dosing paused",
                "recovery": "observation",
            },
            "infusion_check_seconds": 600.0,
            "recovery_check_seconds": 900.0,
            "min_recovery_minutes": 0.0,
            "min_observation_minutes": 120.0,
            "baseline_max_systolic": 140,
            "baseline_max_diastolic": 90,
            "checkpoints": [
                {
                    "code": "bp_pre",
                    "label": "BP before dosing",
                    "anchor": "before_dose",
                    "minutes": 0.0,
                    "window_minutes": 60.0,
                },
                {
                    "code": "bp_40",
                    "label": "BP about 40 min after dosing",
                    "anchor": "after_dose",
                    "minutes": 40.0,
                    "window_minutes": 10.0,
                },
                {
                    "code": "bp_end",
                    "label": "BP before completion",
                    "anchor": "before_discharge",
                    "minutes": 0.0,
                    "window_minutes": 15.0,
                },
            ],
        },
    },
}


def upgrade() -> None:
    protocol = op.create_table(
        "protocol",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["app_user.id"], name=op.f("fk_protocol_updated_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol")),
        sa.UniqueConstraint("code", name=op.f("uq_protocol_code")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        protocol,
        [
            {
                "id": uuid.uuid4(),
                "code": code,
                "name": seed["name"],
                "rules": seed["rules"],
                "active": True,
                "updated_at": now,
            }
            for code, seed in SEEDED.items()
        ],
    )
    # Sessions recorded before protocols existed were IV ketamine sessions under its rules.
    with op.batch_alter_table("infusion_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dose_mg", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("devices", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("protocol", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("protocol_rules", sa.JSON(), nullable=True))
    session = sa.table(
        "infusion_session",
        sa.column("dose_mg", sa.Double()),
        sa.column("weight_kg", sa.Double()),
        sa.column("dose_mg_per_kg", sa.Double()),
        sa.column("protocol", sa.String()),
        sa.column("protocol_rules", sa.JSON()),
    )
    op.execute(
        session.update().values(
            # numeric: PostgreSQL rounds to a number of places only numerics.
            dose_mg=sa.func.round(
                sa.cast(session.c.weight_kg * session.c.dose_mg_per_kg, sa.Numeric), 1
            ),
            protocol="iv-ketamine",
            protocol_rules=SEEDED["iv-ketamine"]["rules"],
        )
    )
    with op.batch_alter_table("infusion_session", schema=None) as batch_op:
        batch_op.alter_column("dose_mg", existing_type=sa.Double(), nullable=False)
        batch_op.alter_column("protocol", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("protocol_rules", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("dose_mg_per_kg", existing_type=sa.Double(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_infusion_session_protocol"), ["protocol"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_infusion_session_protocol_protocol"), "protocol", ["protocol"], ["code"]
        )


def downgrade() -> None:
    with op.batch_alter_table("infusion_session", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_infusion_session_protocol_protocol"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_infusion_session_protocol"))
        batch_op.alter_column("dose_mg_per_kg", existing_type=sa.Double(), nullable=False)
        batch_op.drop_column("protocol_rules")
        batch_op.drop_column("protocol")
        batch_op.drop_column("devices")
        batch_op.drop_column("dose_mg")
    op.drop_table("protocol")
