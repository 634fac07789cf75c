"""ASGI middleware: request context (id, client address) and security headers on every response."""

import itertools
import logging
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.context import client_addr_var, request_id_var, user_id_var
from app.metrics import LATENCY, REQUESTS

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


log = logging.getLogger("vigil.access")

# Unique per process and request without a system call per request (uuid4 reads the kernel's
# random source every time): a random prefix for the process, then a counter.
_PROCESS_PREFIX = secrets.token_hex(4)
_COUNTER = itertools.count()


def new_request_id() -> str:
    return f"{_PROCESS_PREFIX}{next(_COUNTER):08x}"


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        request_id_var.set(new_request_id())
        client_addr_var.set(client[0] if client else None)
        user_id_var.set(None)

        started = time.perf_counter()
        websocket = scope["type"] == "websocket"
        # A websocket logs its close code (101 while it ended without one), a request its status.
        status = 101 if websocket else 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if scope["path"].startswith("/api/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            elif message["type"] == "websocket.close":
                status = message.get("code", 1000)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            # The route template, never the raw path: ids only, no query string.
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope.get("method", "WS")
            elapsed = time.perf_counter() - started
            REQUESTS.labels(method, route, str(status)).inc()
            if not websocket:
                LATENCY.labels(route).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "latency_ms": round(elapsed * 1000, 2),
                },
            )
