"""seed alert rules: the clinic defaults of DESIGN §3 as rows an admin can edit

Revision ID: 5e3d1a7c9b20
Revises: 82959354f6d4
Create Date: 2026-11-22 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db
from app.alerts.rules import DEFAULT_RULES, rule_to_dict

revision: str = "5e3d1a7c9b20"
down_revision: str | None = "82959354f6d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
                "code": rule.code,
                "patient_id": None,
                "definition": rule_to_dict(rule),
                "updated_at": now,
                "updated_by": None,
            }
            for rule in DEFAULT_RULES
        ],
    )


def downgrade() -> None:
    # Rows an admin has edited are kept: a downgrade must not discard a signed-off change.
    op.execute(
        alert_rule.delete().where(
            alert_rule.c.patient_id.is_(None), alert_rule.c.updated_by.is_(None)
        )
    )
