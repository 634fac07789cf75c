"""The migrations build exactly the schema the models describe."""

from alembic import command

from app.migrate import alembic_config


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    # The fixture's database was built by `alembic upgrade head`; autogenerate finds nothing
    # left to do, or raises naming what differs (an index or column added to a model only).
    command.check(alembic_config(database_url))
