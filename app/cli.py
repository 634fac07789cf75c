"""The `vigil` command."""

import asyncio
import uuid
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError

from app.auth.schemas import UserCreate
from app.config import DEV_SECRET, get_settings
from app.exports.schemas import DateRange, RangeFormat, SessionFormat

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
    if workers > 1 and settings.mllp_port is not None:
        # Every worker would bind the port: one listener process serves all monitors.
        raise typer.BadParameter(
            "with several workers, unset VIGIL_MLLP_PORT here and run `vigil mllp` once"
        )
    upgrade(settings.database_url)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=None,
        # X-Forwarded-For/-Proto only from the configured reverse proxies (Caddy, say).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        access_log=False,
        # Compression costs CPU and ~50 KiB per socket for each client; events are small.
        ws_per_message_deflate=False,
        # Clients send only `auth` and pings: uvicorn's 16 MiB default is a memory lever.
        ws_max_size=64 * 1024,
    )


@cli.command()
def migrate() -> None:
    """Apply database migrations (the explicit step before starting several workers)."""
    from app.migrate import upgrade

    upgrade(get_settings().database_url)
    typer.echo("Database schema is up to date.")


@cli.command()
def mllp() -> None:
    """Receive bedside monitors' HL7 (PCD-01 over MLLP) in a process of its own, beside
    `vigil serve --workers N` (PostgreSQL: its NOTIFY reaches every worker's dashboards)."""
    from app.audit.keys import load_keys
    from app.audit.service import use_keys
    from app.db import Database, frequent_writes
    from app.devices.mllp import NoTrust
    from app.devices.service import start_feed, writer_chart
    from app.vitals.writer import ReadingWriter

    settings = get_settings()
    if settings.mllp_port is None:
        raise typer.BadParameter("set VIGIL_MLLP_PORT (and VIGIL_MLLP_ALLOWED_SOURCES)")
    if not settings.is_postgres:
        raise typer.BadParameter(
            "on SQLite the listener runs inside `vigil serve` (set VIGIL_MLLP_PORT there)"
        )

    async def run() -> None:
        use_keys(load_keys(settings.audit_key_file))
        database = Database(settings.database_url)
        try:
            async with frequent_writes(database) as writes:
                writer = ReadingWriter(writes, settings)
                task = asyncio.create_task(writer.run())
                try:
                    server = await start_feed(database, writer_chart(database, writer), settings)
                except NoTrust as exc:
                    raise typer.BadParameter(str(exc)) from None
                typer.echo(f"Receiving monitors on {settings.mllp_host}:{settings.mllp_port}")
                try:
                    await server.serve_forever()
                finally:
                    task.cancel()
        finally:
            await database.dispose()

    asyncio.run(run())


@cli.command("monitor-sim")
def monitor_sim(
    host: Annotated[str, typer.Option(help="The MLLP listener's address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The MLLP listener's port")] = 2575,
    chairs: Annotated[int, typer.Option(help="Simulated monitors, one per chair")] = 3,
    mrn: Annotated[
        list[str] | None, typer.Option(help="Patient MRN per monitor (PID-3), in order")
    ] = None,
    interval: Annotated[float, typer.Option(help="Seconds between messages")] = 5,
    count: Annotated[
        int | None, typer.Option(help="Messages per monitor (default: forever)")
    ] = None,
    speed: Annotated[float, typer.Option(help="Clinical minutes per wall-clock minute")] = 1,
) -> None:
    """Simulated bedside monitors pushing PCD-01 over MLLP (device ids 00A0B0C0D0E00000...):
    bind them to chairs (PUT /api/devices/{id}) or give them MRNs."""
    from contextlib import suppress

    from app.devices.sim import monitors, simulate

    fleet = monitors(chairs, mrn or [], seed=1)
    for m in fleet:
        typer.echo(f"monitor {m.device}" + (f" patient {m.mrn}" if m.mrn else ""))
    with suppress(KeyboardInterrupt):
        asyncio.run(simulate(host, port, fleet, interval=interval, count=count, speed=speed))
    typer.echo(f"sent {sum(m.sent for m in fleet)}, acknowledged {sum(m.acked for m in fleet)}")


@cli.command("check-config")
def check_config() -> None:
    """Show the effective configuration (secrets hidden) and check the database answers."""
    from pydantic import ValidationError as SettingsError
    from sqlalchemy import text

    from app.db import Database

    try:
        settings = get_settings()
    except SettingsError as exc:
        for error in exc.errors():
            typer.echo(f"error: {error['msg']}", err=True)
        raise typer.Exit(2) from None
    for name, value in settings.model_dump().items():
        shown = value
        if name == "secret_key":
            default = settings.secret_key.get_secret_value() == DEV_SECRET
            shown = "(development default: set your own)" if default else "(set)"
        typer.echo(f"VIGIL_{name.upper():<32} {shown}")
    if not (settings.frontend_dist / "index.html").is_file():
        typer.echo(f"warning: no built dashboard in {settings.frontend_dist} (run `make frontend`)")

    async def ping() -> None:
        database = Database(settings.database_url)
        try:
            async with database.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        finally:
            await database.dispose()

    try:
        asyncio.run(ping())
    except Exception as exc:  # any failure to connect is reported, not raised
        typer.echo(f"error: the database does not answer: {type(exc).__name__}", err=True)
        raise typer.Exit(1) from None
    typer.echo("Database: reachable.")


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


@cli.command("export")
def export(
    fmt: Annotated[SessionFormat, typer.Option("--format", help="Ranges: csv or fhir only")],
    session: Annotated[uuid.UUID | None, typer.Option(help="The session to export")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Range start, ISO 8601 with offset")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Range end (exclusive), ISO 8601")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Default: stdout")] = None,
) -> None:
    """Export one session, or the readings taken in a date range; audited as user "cli"."""
    from app.errors import NotFound
    from app.exports import command

    settings = get_settings()
    if session is not None and (start or end):
        raise typer.BadParameter("give either --session or --from/--to, not both")
    if session is not None:
        try:
            asyncio.run(
                command.export_session(settings, session_id=session, fmt=fmt, output=output)
            )
        except NotFound as exc:
            typer.echo(str(exc.detail), err=True)
            raise typer.Exit(1) from None
        return
    if fmt not in ("csv", "fhir"):
        raise typer.BadParameter("a date range exports as csv or fhir")
    try:
        rng = DateRange.model_validate({"from": start, "to": end})
    except ValidationError as exc:
        raise typer.BadParameter("; ".join(e["msg"] for e in exc.errors())) from None
    range_fmt: RangeFormat = "csv" if fmt == "csv" else "fhir"
    rows = asyncio.run(command.export_range(settings, rng=rng, fmt=range_fmt, output=output))
    typer.echo(f"Exported {rows} readings.", err=True)


@cli.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    speed: Annotated[float, typer.Option(help="Clinical minutes per wall-clock minute")] = 12,
    password: Annotated[
        str | None, typer.Option(envvar="VIGIL_DEMO_PASSWORD", help="Demo users' password")
    ] = None,
    mllp_port: Annotated[int, typer.Option(help="Port of the demo's monitor feed")] = 2575,
) -> None:
    """Seed a demo clinic (DEMO users and patients) and serve it with six simulated chairs,
    three of them charted by simulated bedside monitors over HL7 (MLLP)."""
    import os
    import secrets

    from app.db import Database
    from app.demo import (
        DEMO_CHAIRS,
        DEMO_USERS,
        Simulator,
        demo_chairs,
        seed_demo_protocol,
        seed_users,
    )
    from app.migrate import upgrade

    # The demo's monitors are on this machine; its terminal is for a person, so the per-request
    # JSON log stays off unless asked for (VIGIL_LOG_LEVEL=INFO).
    os.environ.update(
        VIGIL_MLLP_PORT=str(mllp_port),
        VIGIL_MLLP_HOST="127.0.0.1",
        VIGIL_MLLP_ALLOWED_SOURCES='["127.0.0.1"]',
    )
    os.environ.setdefault("VIGIL_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    settings = get_settings()
    password = password or secrets.token_urlsafe(9)
    upgrade(settings.database_url)

    async def run() -> None:
        database = Database(settings.database_url)
        try:
            await seed_users(database, password, DEMO_CHAIRS)
            await seed_demo_protocol(database, speed)
        finally:
            await database.dispose()
        typer.echo("\n  Vigil DEMO clinic: every patient and user here is fictional.")
        typer.echo(f"  Open http://{host}:{port}/ and sign in with:")
        for username, role, _ in DEMO_USERS:
            typer.echo(f"    {role:<10} username {username:<7} password {password}")
        typer.echo(
            f"  Chairs 2, 4 and 6 are charted by simulated monitors (HL7 on port {mllp_port})."
        )
        typer.echo("  Logs show warnings only (VIGIL_LOG_LEVEL=INFO for every request).\n")
        config = uvicorn.Config(
            "app.main:create_app",
            factory=True,
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            log_config=None,
            access_log=False,
            # Compression costs CPU and ~50 KiB per socket for each client; events are small.
            ws_per_message_deflate=False,
        )
        server = uvicorn.Server(config)
        simulator = Simulator(f"http://{host}:{port}", password, speed, ("127.0.0.1", mllp_port))

        async def simulate() -> None:
            while not server.started:  # noqa: ASYNC110  (uvicorn offers a flag, no event)
                await asyncio.sleep(0.1)
            await simulator.run(demo_chairs())

        sim = asyncio.create_task(simulate())
        try:
            await server.serve()
        finally:
            sim.cancel()

    asyncio.run(run())


audit = typer.Typer(help="The audit log: verify it, rotate its signing key.")
cli.add_typer(audit, name="audit")


@audit.command("verify")
def audit_verify() -> None:
    """Check the audit chain's signatures and that it still holds every anchored head."""
    from app.audit.service import verify_log
    from app.db import Database

    settings = get_settings()

    async def run() -> bool:
        database = Database(settings.database_url)
        try:
            async with database.read_session() as db:
                check = await verify_log(db, settings)
        finally:
            await database.dispose()
        typer.echo(check.message)
        return check.ok

    if not asyncio.run(run()):
        raise typer.Exit(1)


def _rotate(path: Path, what: str) -> None:
    from app.audit.keys import rotate_keys

    typer.echo(f"New {what} key '{rotate_keys(path)}' in {path}.")


@audit.command("rotate-key")
def audit_rotate_key() -> None:
    """Add a new signing key and make it current (restart the app to sign with it)."""
    _rotate(get_settings().audit_key_file, "audit")


mfa = typer.Typer(help="Two-step sign-in: rotate the key that seals TOTP secrets.")
cli.add_typer(mfa, name="mfa")


@mfa.command("rotate-key")
def mfa_rotate_key() -> None:
    """Add a new sealing key and make it current (restart the app to seal new secrets with it;
    secrets sealed before still open with their key: never delete one)."""
    _rotate(get_settings().mfa_key_file, "MFA")


def main() -> None:
    cli()
