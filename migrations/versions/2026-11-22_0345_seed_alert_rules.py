"""seed alert rules: the clinic defaults of DESIGN §3 as rows an admin can edit

Revision ID: 5e3d1a7c9b20
Revises: 82959354f6d4
Create Date: 2026-11-22 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "5e3d1a7c9b20"
down_revision: str | None = "82959354f6d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The clinic defaults as signed off on 2026-11-22 (docs/alert-defaults.md), frozen here: a later
# change of the defaults in app code must come with a migration of its own, not rewrite this one.
SEEDED: list[dict[str, object]] = [
    {
        "code": "sbp_high",
        "kind": "absolute",
        "parameter": "systolic",
        "medium": {"op": ">", "value": 160.0},
        "high": {"op": ">=", "value": 180.0},
        "enabled": True,
    },
    {
        "code": "sbp_rise",
        "kind": "baseline",
        "parameter": "systolic",
        "medium": {"op": ">=", "value": 40.0},
        "high": None,
        "enabled": True,
    },
    {
        "code": "dbp_high",
        "kind": "absolute",
        "parameter": "diastolic",
        "medium": {"op": ">", "value": 100.0},
        "high": {"op": ">=", "value": 110.0},
        "enabled": True,
    },
    {
        "code": "dbp_rise",
        "kind": "baseline",
        "parameter": "diastolic",
        "medium": {"op": ">=", "value": 25.0},
        "high": None,
        "enabled": True,
    },
    {
        "code": "sbp_low",
        "kind": "absolute",
        "parameter": "systolic",
        "medium": {"op": "<", "value": 100.0},
        "high": {"op": "<=", "value": 90.0},
        "enabled": True,
    },
    {
        "code": "hr_high",
        "kind": "absolute",
        "parameter": "heart_rate",
        "medium": {"op": ">", "value": 110.0},
        "high": {"op": ">=", "value": 130.0},
        "enabled": True,
    },
    {
        "code": "hr_low",
        "kind": "absolute",
        "parameter": "heart_rate",
        "medium": {"op": "<", "value": 50.0},
        "high": {"op": "<=", "value": 40.0},
        "enabled": True,
    },
    {
        "code": "spo2_low",
        "kind": "absolute",
        "parameter": "spo2",
        "medium": {"op": "<=", "value": 93.0},
        "high": {"op": "<=", "value": 90.0},
        "enabled": True,
    },
    {
        "code": "rr_low",
        "kind": "absolute",
        "parameter": "respiratory_rate",
        "medium": {"op": "<=", "value": 10.0},
        "high": {"op": "<=", "value": 8.0},
        "enabled": True,
    },
    {
        "code": "rr_high",
        "kind": "absolute",
        "parameter": "respiratory_rate",
        "medium": {"op": ">=", "value": 21.0},
        "high": {"op": ">=", "value": 25.0},
        "enabled": True,
    },
    {
        "code": "rass_low",
        "kind": "absolute",
        "parameter": "sedation_rass",
        "medium": {"op": "<=", "value": -2.0},
        "high": {"op": "<=", "value": -4.0},
        "enabled": True,
    },
    {
        "code": "news2",
        "kind": "news2",
        "parameter": "news2",
        "medium": {"op": ">=", "value": 5.0},
        "high": {"op": ">=", "value": 7.0},
        "enabled": True,
    },
    {
        "code": "overdue",
        "kind": "overdue",
        "parameter": "overdue_minutes",
        "medium": {"op": ">", "value": 5.0},
        "high": {"op": ">", "value": 15.0},
        "enabled": True,
    },
]

alert_rule = sa.table(
    "alert_rule",
    sa.column("code", sa.String(32)),
    sa.column("patient_id", sa.Uuid()),
    sa.column("definition", sa.JSON()),
    sa.column("updated_at", app.db.UTCDateTime()),
    sa.column("updated_by", sa.Uuid()),
)


def upgrade() -> None:
    # updated_by NULL marks a row as seeded and never edited (see downgrade).
    now = app.db.utcnow()
    op.bulk_insert(
        alert_rule,
        [
            {
                "code": rule["code"],
                "patient_id": None,
                "definition": rule,
                "updated_at": now,
                "updated_by": None,
            }
            for rule in SEEDED
        ],
    )


def downgrade() -> None:
    # Rows an admin has edited are kept: a downgrade must not discard a signed-off change.
    op.execute(
        alert_rule.delete().where(
            alert_rule.c.patient_id.is_(None), alert_rule.c.updated_by.is_(None)
        )
    )
