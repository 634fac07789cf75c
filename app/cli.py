"""The `vigil` command."""

import asyncio
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError

from app.auth.schemas import UserCreate
from app.config import get_settings

cli = typer.Typer(help="Vigil: infusion-session monitoring.", no_args_is_help=True)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL for more than 1)")] = 1,
) -> None:
    """Apply database migrations, then serve the API and the dashboard."""
    from app.migrate import upgrade

    settings = get_settings()
    if workers > 1 and not settings.is_postgres:
        raise typer.BadParameter("several workers need PostgreSQL (set VIGIL_DATABASE_URL)")
    upgrade(settings.database_url)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        access_log=False,
    )


@cli.command("create-user")
def create_user(
    username: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="nurse, physician or admin")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    display_name: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a user (the first admin, for instance)."""
    from app.auth.service import create_user as create
    from app.db import Database
    from app.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    try:
        data = UserCreate.model_validate(
            {
                "username": username,
                "role": role,
                "password": password,
                "display_name": display_name or username,
            }
        )
    except ValidationError as exc:
        raise typer.BadParameter("; ".join(e["msg"] for e in exc.errors())) from None

    async def run() -> None:
        database = Database(settings.database_url)
        try:
            async with database.session() as db:
                user = await create(db, data=data, by=None)
                typer.echo(f"Created {user.role} '{user.username}' ({user.id}).")
        finally:
            await database.dispose()

    asyncio.run(run())


def main() -> None:
    cli()
