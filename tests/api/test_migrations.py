"""The migrations build exactly the schema the models describe, and seed the defaults in code."""

import asyncio

from alembic import command
from sqlalchemy import select

from app.alerts.models import AlertRule
from app.alerts.rules import DEFAULT_RULES, rule_to_dict
from app.db import Database
from app.migrate import alembic_config
from app.protocols.models import Protocol
from app.protocols.rules import DEFAULT_PROTOCOLS, ProtocolRules


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    # The fixture's database was built by `alembic upgrade head`; autogenerate finds nothing
    # left to do, or raises naming what differs (an index or column added to a model only).
    command.check(alembic_config(database_url))


async def _clinic_rows(database_url: str) -> dict[str, dict[str, object]]:
    database = Database(database_url)
    try:
        async with database.read_session() as db:
            rows = await db.scalars(select(AlertRule).where(AlertRule.patient_id.is_(None)))
            return {row.code: row.definition for row in rows}
    finally:
        await database.dispose()


def test_seeded_clinic_rules_are_the_defaults_in_code(database_url: str) -> None:
    # The seed migration holds its own frozen copy: changing DEFAULT_RULES without a migration
    # that brings existing clinics along fails here.
    seeded = asyncio.run(_clinic_rows(database_url))
    assert seeded == {rule.code: rule_to_dict(rule) for rule in DEFAULT_RULES}


async def _protocol_rows(database_url: str) -> dict[str, tuple[str, dict[str, object]]]:
    database = Database(database_url)
    try:
        async with database.read_session() as db:
            return {p.code: (p.name, p.rules) for p in await db.scalars(select(Protocol))}
    finally:
        await database.dispose()


def test_seeded_protocols_are_the_defaults_in_code(database_url: str) -> None:
    seeded = asyncio.run(_protocol_rows(database_url))
    # Read back as rules: a field added later with a default reads as that default.
    assert {
        code: (name, ProtocolRules.model_validate(r)) for code, (name, r) in seeded.items()
    } == (DEFAULT_PROTOCOLS)
