"""Apply the Alembic migrations (used by `vigil serve`, the tests and the Docker entrypoint)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from app.config import ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def upgrade(database_url: str) -> None:
    """Bring the database to the latest schema. Blocking: call it outside an event loop."""
    if database_url.startswith("sqlite"):
        # SQLite creates the file but not its folder (the default is ./var/vigil.db).
        Path(database_url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")
