import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

import app.alerts.models
import app.audit.models
import app.auth.models
import app.clinical.models
import app.controlled.models
import app.courses.models
import app.devices.models
import app.events
import app.infusion.models
import app.patients.models
import app.protocols.models
import app.rems.models
import app.screening.models
import app.sessions.models
import app.sites.models
import app.vitals.models  # noqa: F401  (every model module registers its tables on Base)
from app.config import get_settings
from app.db import Base, create_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    url = config.attributes.get("database_url") or get_settings().database_url
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


asyncio.run(_main())
