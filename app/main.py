"""create_app(): routers, error handling, middleware, the built frontend and the lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from app import health, metrics
from app.alerts.notify import Dispatcher
from app.alerts.router import router as alerts_router
from app.alerts.timers import AlertTimers
from app.alerts.webhook import WebhookNotifier
from app.audit.access import AccessLog
from app.audit.anchor import anchor_head, anchor_in
from app.audit.keys import load_keys
from app.audit.router import router as audit_router
from app.audit.service import use_keys
from app.auth.logins import Logins
from app.auth.router import router as auth_router
from app.client_config import router as client_config_router
from app.clinical.router import router as clinical_router
from app.config import Settings, get_settings
from app.controlled.router import router as controlled_router
from app.courses.router import router as courses_router
from app.db import Database, frequent_writes
from app.devices.mllp import trusted_networks
from app.devices.router import router as devices_router
from app.devices.service import start_feed, writer_chart
from app.errors import install_error_handlers
from app.exports.router import router as exports_router
from app.infusion.router import router as infusion_router
from app.live.bus import running_bus
from app.live.router import router as live_router
from app.logs import configure_logging
from app.middleware import RequestContext
from app.patients.router import router as patients_router
from app.protocols.router import router as protocols_router
from app.rems.router import router as rems_router
from app.screening.router import router as screening_router
from app.sessions.router import router as sessions_router
from app.sites.router import router as sites_router
from app.vitals.router import router as vitals_router
from app.vitals.writer import ReadingWriter


def mount_frontend(app: FastAPI, dist: Path) -> None:
    index = dist / "index.html"
    # Top-level files of the build (favicon, manifest), fixed at start-up: no path from a URL is
    # ever joined onto the file system.
    files = {p.name: p for p in dist.iterdir() if p.is_file()} if dist.is_dir() else {}
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str) -> Response:
        if path.startswith("api/"):
            return JSONResponse({"detail": "Not Found"}, 404)
        candidate = files.get(path)
        if candidate is not None:
            return FileResponse(candidate)
        if index.is_file():
            return FileResponse(index)
        return JSONResponse({"detail": "The dashboard is not built yet: run `make frontend`."}, 404)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    if settings.mllp_port is not None:
        trusted_networks(settings.mllp_allowed_sources)  # no listener that trusts anyone

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings.database_url)
        app.state.database = database
        app.state.logins = Logins(database, settings)
        use_keys(load_keys(settings.audit_key_file))
        anchor_in(settings.anchor_path)
        await anchor_head(database)
        app.state.access = AccessLog(database, settings.access_audit_minutes)
        try:
            async with (
                running_bus(
                    database,
                    queue_size=settings.live_queue_size,
                    keepalive_seconds=settings.heartbeat_seconds,
                ) as bus,
                frequent_writes(database) as writes,
                anyio.create_task_group() as tasks,
            ):
                app.state.bus = bus
                timers = AlertTimers(writes, settings)
                webhook = WebhookNotifier()
                tasks.start_soon(Dispatcher(writes, settings, webhook).run)
                writer = ReadingWriter(writes, settings)
                app.state.readings = writer
                tasks.start_soon(writer.run)
                app.state.device_chart = writer_chart(database, writer)
                feed = None
                if settings.mllp_port is not None:
                    feed = await start_feed(database, app.state.device_chart, settings)
                try:
                    yield
                finally:
                    if feed is not None:
                        feed.close()
                    tasks.cancel_scope.cancel()
                    await timers.stop()
                    await webhook.aclose()
        finally:
            await database.dispose()

    app = FastAPI(
        title="Vigil",
        summary="Infusion-session monitoring: vitals, alerts and a live dashboard",
        version="0.1.0",
        lifespan=lifespan,
        # Vigil exports Prometheus metrics and JSON logs of its own; FastAPI's OpenTelemetry
        # hooks would only look for providers that are not there, on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        # `app.openapi()` still builds the schema in-process (the frontend's generated types).
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
        openapi_url="/openapi.json" if settings.api_docs else None,
    )
    # The app's own settings, read per request from state: a dependency override would make
    # FastAPI rebuild every dependency graph on every request (bench/README.md).
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(RequestContext, max_body_bytes=settings.max_body_bytes)
    # Routes are matched in order: the readings' first, as they take most of the requests.
    for router in (
        vitals_router,
        health.router,
        metrics.router,
        auth_router,
        client_config_router,
        patients_router,
        sessions_router,
        sites_router,
        protocols_router,
        courses_router,
        infusion_router,
        clinical_router,
        screening_router,
        rems_router,
        controlled_router,
        alerts_router,
        devices_router,
        audit_router,
        exports_router,
        live_router,
    ):
        app.include_router(router)
    mount_frontend(app, settings.frontend_dist)
    return app
