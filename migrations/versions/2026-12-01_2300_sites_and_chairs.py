"""sites and chairs: a session is in a chair of a site; existing `location` strings become chairs

Revision ID: d1534fab7663
Revises: b8263b78f398
Create Date: 2026-12-01 21:50:23.842514
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "d1534fab7663"
down_revision: str | None = "b8263b78f398"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here rather than imported: a later change of the phase list needs its own migration.
ACTIVE_SQL = "phase IN ('pre_infusion', 'infusion', 'paused', 'recovery')"
DEFAULT_SITE = "Main site"

site = sa.table(
    "site",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("position", sa.Integer()),
    sa.column("created_at", app.db.UTCDateTime()),
)
chair = sa.table(
    "chair",
    sa.column("id", sa.Uuid()),
    sa.column("site_id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("position", sa.Integer()),
)
member = sa.table("site_member", sa.column("site_id", sa.Uuid()), sa.column("user_id", sa.Uuid()))
session = sa.table(
    "infusion_session",
    sa.column("id", sa.Uuid()),
    sa.column("location", sa.String()),
    sa.column("phase", sa.String()),
    sa.column("created_at", app.db.UTCDateTime()),
    sa.column("site_id", sa.Uuid()),
    sa.column("chair_id", sa.Uuid()),
)
user = sa.table("app_user", sa.column("id", sa.Uuid()))


def upgrade() -> None:
    op.create_table(
        "site",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("escalation_webhook_url", sa.String(length=2000), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("name", name=op.f("uq_site_name")),
    )
    op.create_table(
        "chair",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_chair_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chair")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_chair_site_id")),
    )
    with op.batch_alter_table("chair", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chair_site_id"), ["site_id"], unique=False)
    op.create_table(
        "site_member",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_site_member_site_id_site")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_site_member_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("site_id", "user_id", name=op.f("pk_site_member")),
    )
    with op.batch_alter_table("infusion_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("chair_id", sa.Uuid(), nullable=True))
    _move_locations_into_chairs()
    with op.batch_alter_table("infusion_session", schema=None) as batch_op:
        batch_op.alter_column("site_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column("chair_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_index(batch_op.f("ix_infusion_session_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            "uq_infusion_session_active_chair",
            ["chair_id"],
            unique=True,
            sqlite_where=sa.text(ACTIVE_SQL),
            postgresql_where=sa.text(ACTIVE_SQL),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_infusion_session_chair_id_chair"), "chair", ["chair_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_infusion_session_site_id_site"), "site", ["site_id"], ["id"]
        )


def _move_locations_into_chairs() -> None:
    """Every install so far is one clinic: one site, every existing user a member of it, one
    chair per distinct location string in order of first use. Two sessions active at once in
    one location (nothing stopped that before) get a chair each, the later one named
    "<location> (2)", so the one-active-session-per-chair index holds without ending anyone's
    session."""
    bind = op.get_bind()
    site_id = uuid.uuid4()
    bind.execute(
        site.insert().values(
            id=site_id, name=DEFAULT_SITE, position=0, created_at=datetime.now(UTC)
        )
    )
    users = bind.execute(sa.select(user.c.id)).scalars().all()
    if users:
        bind.execute(member.insert(), [{"site_id": site_id, "user_id": u} for u in users])
    rows = bind.execute(
        sa.select(session.c.id, session.c.location, session.c.phase).order_by(session.c.created_at)
    ).all()
    chairs: dict[str, uuid.UUID] = {}
    busy: set[uuid.UUID] = set()
    for row in rows:
        active = row.phase in ("pre_infusion", "infusion", "paused", "recovery")
        name, copy = row.location[:60], 1
        while name in chairs and active and chairs[name] in busy:
            copy += 1
            name = f"{row.location[:56]} ({copy})"
        if name not in chairs:
            chairs[name] = uuid.uuid4()
            bind.execute(
                chair.insert().values(
                    id=chairs[name], site_id=site_id, name=name, position=len(chairs)
                )
            )
        if active:
            busy.add(chairs[name])
        bind.execute(
            session.update()
            .where(session.c.id == row.id)
            .values(site_id=site_id, chair_id=chairs[name], location=name)
        )


def downgrade() -> None:
    with op.batch_alter_table("infusion_session", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_infusion_session_site_id_site"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_infusion_session_chair_id_chair"), type_="foreignkey"
        )
        batch_op.drop_index("uq_infusion_session_active_chair")
        batch_op.drop_index(batch_op.f("ix_infusion_session_site_id"))
        batch_op.drop_column("chair_id")
        batch_op.drop_column("site_id")
    op.drop_table("site_member")
    with op.batch_alter_table("chair", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chair_site_id"))
    op.drop_table("chair")
    op.drop_table("site")
