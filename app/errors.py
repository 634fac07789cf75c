"""The errors services raise; one handler renders them as FastAPI's `{"detail": ...}`."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError

from app.validation import plain_errors


class VigilError(Exception):
    status_code = 400

    def __init__(self, detail: Any, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers


class Unauthorized(VigilError):
    status_code = 401


class Forbidden(VigilError):
    status_code = 403


class NotFound(VigilError):
    status_code = 404


class Conflict(VigilError):
    status_code = 409


class Invalid(VigilError):
    status_code = 422

    def __init__(self, field: str, msg: str) -> None:
        # Same shape as FastAPI's own validation errors so clients parse one format.
        super().__init__([{"loc": ["body", field], "msg": msg, "type": "value_error"}])


class TooManyRequests(VigilError):
    status_code = 429


UNAVAILABLE_SQLSTATES = ("08", "53", "55", "57", "3D000")


def install_error_handlers(app: FastAPI) -> None:
    async def vigil_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, VigilError)
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)

    async def refused_values(_request: Request, exc: Exception) -> JSONResponse:
        # FastAPI's own handler repeats the input (a password, or a NaN JSON cannot write).
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": plain_errors(exc.errors())}, 422)

    async def refused_in_service(_request: Request, exc: Exception) -> JSONResponse:
        # A service validating what the request sent, merged with what is stored (an
        # amendment's fields over the reading's): the input is at fault, not the server.
        assert isinstance(exc, ValidationError)
        errors = [{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors()]
        return JSONResponse({"detail": plain_errors(errors)}, 422)

    async def database_down(_request: Request, exc: Exception) -> JSONResponse:
        sqlstate = str(getattr(getattr(exc, "orig", None), "sqlstate", None) or "")
        connection_lost = (
            isinstance(exc, OperationalError | InterfaceError | OSError)
            or (isinstance(exc, DBAPIError) and exc.connection_invalidated)
            # asyncpg's refusals to connect arrive as plain DBAPIError: "not currently accepting
            # connections" (55000), too many connections (53300), shutting down (57P03), a
            # database that is gone (3D000), connection failures (class 08).
            or sqlstate.startswith(UNAVAILABLE_SQLSTATES)
        )
        # SQLSTATE class 22 (data exception): the database refused a value the schemas let
        # through (a NUL character in text on PostgreSQL, say); the request is at fault.
        if (isinstance(exc, DataError) or sqlstate.startswith("22")) and not connection_lost:
            msg = "A value in this request cannot be stored or searched for; nothing was saved."
            return JSONResponse(
                {"detail": [{"loc": ["request"], "msg": msg, "type": "value_error"}]}, 422
            )
        if not connection_lost:
            raise exc
        # The nurse's outbox retries on 503, so an outage loses nothing.
        return JSONResponse(
            {"detail": "The database is unreachable; nothing was saved. Please retry shortly."},
            503,
            headers={"Retry-After": "5"},
        )

    app.add_exception_handler(VigilError, vigil_error)
    app.add_exception_handler(RequestValidationError, refused_values)
    app.add_exception_handler(ValidationError, refused_in_service)
    app.add_exception_handler(DBAPIError, database_down)
    app.add_exception_handler(OSError, database_down)
