"""Structured JSON logs. Only ids, routes, codes and timings: never names, MRNs, values or URLs
with query strings, which can carry patient data."""

import json
import logging
from typing import Any

from app.context import request_id_var, user_id_var

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        user = user_id_var.get()
        if user is not None:
            entry["user_id"] = str(user)
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Database drivers log statements with their parameters (patient data) at DEBUG; httpx
    # (the demo simulator) logs every URL.
    for name in ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # uvicorn's access log prints raw URLs (patient searches carry names): ours logs routes.
    logging.getLogger("uvicorn.access").disabled = True
