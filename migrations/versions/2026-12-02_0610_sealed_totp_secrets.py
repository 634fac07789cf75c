"""TOTP secrets sealed at rest: a wider column, and the secrets stored so far sealed

Revision ID: c41e7a9b2d35
Revises: 3c5e7a9b1d20
Create Date: 2026-12-02 05:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from app.auth.sealing import key_ring, seal
from app.config import get_settings

revision: str = "c41e7a9b2d35"
down_revision: str | None = "3c5e7a9b1d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_users = sa.table(
    "app_user", sa.column("id", sa.Uuid()), sa.column("totp_secret", sa.String(length=128))
)


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=64),
            type_=sa.String(length=128),
            existing_nullable=True,
        )
    connection = op.get_bind()
    stored = connection.execute(
        sa.select(_users.c.id, _users.c.totp_secret).where(_users.c.totp_secret.is_not(None))
    ).all()
    # A base32 secret has no ":"; a sealed one starts with its key id and one.
    plain = [(user_id, secret) for user_id, secret in stored if ":" not in secret]
    if plain:
        path = context.config.attributes.get("mfa_key_file") or get_settings().mfa_key_file
        keys = key_ring(path)
        for user_id, secret in plain:
            connection.execute(
                sa.update(_users)
                .where(_users.c.id == user_id)
                .values(totp_secret=seal(secret, user_id, keys))
            )


def downgrade() -> None:
    # The sealed secrets do not fit the old column, and opening them here would write them out
    # in clear again: the users enrol afresh.
    connection = op.get_bind()
    connection.execute(
        sa.text(
            "UPDATE app_user SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL"
        )
    )
    connection.execute(sa.text("DELETE FROM mfa_recovery_code"))
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=128),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
