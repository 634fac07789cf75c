"""ASGI middleware: request context (id, client address) and security headers on every response."""

import ipaddress
import itertools
import logging
import secrets
import time
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.audit.access import records_read
from app.context import client_addr_var, request_id_var, user_id_var
from app.metrics import LATENCY, REQUESTS
from app.validation import check_json_numbers

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


def client_address(client: tuple[str, int] | None) -> str | None:
    """The peer's address as an IP, or None: behind a trusted proxy uvicorn puts the
    X-Forwarded-For hop here, and a header is not trusted to be short or an address."""
    if not client:
        return None
    try:
        return str(ipaddress.ip_address(client[0][:64]))
    except ValueError:
        return None


BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return bool(kind == b"application/json" or kind.endswith(b"+json"))
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _refusal(status: int, msg: str) -> JSONResponse:
    return JSONResponse({"detail": [{"loc": ["body"], "msg": msg, "type": "value_error"}]}, status)


async def _audit_read(scope: Scope, route: str) -> None:
    user_id = user_id_var.get()
    access = getattr(getattr(scope.get("app"), "state", None), "access", None)
    if user_id is None or access is None:
        return
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    records = records_read(route, scope.get("path_params") or {}, query)
    if records:
        await access.saw(user_id, records, view=route)


class RequestContext:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int = 1 << 20) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def _checked_body(
        self, scope: Scope, receive: Receive
    ) -> tuple[Receive, JSONResponse | None]:
        """Reads a request body whole (every route reads it whole anyway) so that an
        oversized body or a JSON number that is not finite is refused before any parser sees
        it; the route then reads the same bytes."""
        limit = self.max_body_bytes
        too_large = _refusal(413, f"the request is larger than {limit // 1024} KiB")
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            return receive, too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                first: Message = message  # the client left: the route sees that
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return receive, too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                break
        if first["type"] == "http.request" and _is_json(scope) and first["body"]:
            refused = check_json_numbers(first["body"])
            if refused is not None:
                return receive, _refusal(422, refused)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return first

        return replay, None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        request_id_var.set(new_request_id())
        client_addr_var.set(client_address(client))
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
            refusal = None
            if not websocket and scope.get("method") in BODY_METHODS:
                receive, refusal = await self._checked_body(scope, receive)
            if refusal is not None:
                await refusal(scope, receive, send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        finally:
            # The route template, never the raw path: ids only, no query string.
            route = getattr(scope.get("route"), "path", "unmatched")
            if status == 200 and scope.get("method") == "GET":
                await _audit_read(scope, route)
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
