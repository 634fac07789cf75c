"""Per-request context (request id, client address, user) for audit rows and logs."""

import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
client_addr_var: ContextVar[str | None] = ContextVar("client_addr", default=None)
user_id_var: ContextVar[uuid.UUID | None] = ContextVar("user_id", default=None)
