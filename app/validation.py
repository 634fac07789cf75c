"""Refused input in plain words: the 422 body, and the JSON check that runs before any route.

The 422 never repeats what was sent (a password, a megabyte of text, a NaN that JSON cannot
write back), only where the problem is and what to enter instead. It is built from the error's
type and the schema's own limits, never from the input, so it cannot fail to render.
"""

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any, get_args

from pydantic_core.core_schema import ErrorType

from app.vitals.codes import UNIT_TEXT, VITALS, range_message

# A location names a field; a key the client invented is cut to this many characters.
_LOC_PART_MAX = 40
_MAX_ERRORS = 20
FALLBACK = "this value is not accepted"

# Pydantic's own error types; any other type is a PydanticCustomError the app raised, whose
# message was written for people.
_BUILT_IN = frozenset(get_args(ErrorType))

NOT_FINITE = "enter a finite number (NaN and Infinity are not numbers)"
TOO_BIG = "a number in this request is too large"


_BOUNDS = {
    "greater_than": ("more than", "gt"),
    "greater_than_equal": ("of at least", "ge"),
    "less_than": ("less than", "lt"),
    "less_than_equal": ("of at most", "le"),
}


def _vital_words(field: str) -> str:
    vital = VITALS[field]
    kind = "a number" if field == "temperature_c" else "a whole number"
    unit = UNIT_TEXT[vital.unit]
    return f"enter {kind} between {vital.low:g} and {vital.high:g}{' ' + unit if unit else ''}"


def _limit(ctx: Mapping[str, Any], key: str) -> str:
    value = ctx.get(key)
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _own_message(ctx: Mapping[str, Any]) -> str:
    """A message the app's own validators wrote (`raise ValueError("...")`): they are written
    for people and name no input."""
    error = ctx.get("error")
    text = str(error) if error is not None else ""
    return text[:300] or FALLBACK


def _words(kind: str, ctx: Mapping[str, Any], field: str | None, msg: object) -> str:
    numeric = kind.startswith(("int_", "float_", "finite_", "greater_", "less_", "multiple_of"))
    if field in VITALS and (numeric or kind == "value_error"):
        own = _own_message(ctx) if kind == "value_error" else ""
        if not own or own.startswith(range_message(field)):
            return _vital_words(field)
    if kind == "missing":
        return "this field is required"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "enter a whole number"
    if kind == "int_parsing_size":
        return TOO_BIG
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing"):
        return "enter a number"
    if kind == "finite_number":
        return NOT_FINITE
    if kind in _BOUNDS:
        words, key = _BOUNDS[kind]
        return f"enter a number {words} {_limit(ctx, key)}"
    if kind in ("string_type", "string_unicode"):
        return "enter text"
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        return "this field cannot be empty" if n == 1 else f"use at least {n} characters"
    if kind == "string_too_long":
        return f"use at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return "this contains characters that are not allowed here"
    if kind in ("too_long", "too_short"):
        word = "at most" if kind == "too_long" else "at least"
        n = ctx.get("max_length" if kind == "too_long" else "min_length")
        unit = {"List": "items", "Dictionary": "entries"}.get(str(ctx.get("field_type")))
        return f"send {word} {n} {unit}" if unit else f"use {word} {n} characters"
    if kind in ("bool_type", "bool_parsing"):
        return "enter true or false"
    if kind in ("literal_error", "enum"):
        # `expected` lists the schema's own choices, never the input.
        return f"choose one of {ctx.get('expected', 'the listed values')}"
    if kind in ("uuid_type", "uuid_parsing", "uuid_version"):
        return "enter a valid id"
    if kind == "timezone_aware":
        return "enter a date and time with its time zone, e.g. 2026-01-31T09:30:00Z"
    if kind.startswith("datetime_"):
        return "enter a date and time, e.g. 2026-01-31T09:30:00Z"
    if kind.startswith("date_"):
        return "enter a date, e.g. 2026-01-31"
    if kind == "extra_forbidden":
        return "this field is not accepted here"
    if kind in ("model_type", "model_attributes_type", "dict_type", "mapping_type"):
        return "send an object here"
    if kind in ("list_type", "tuple_type", "set_type"):
        return "send a list here"
    if kind == "json_invalid":
        return "the request body is not valid JSON"
    if kind in ("value_error", "assertion_error"):
        return _own_message(ctx)
    if kind not in _BUILT_IN and isinstance(msg, str) and msg:
        return msg[:300]
    return FALLBACK


def _loc(loc: Iterable[Any]) -> list[str | int]:
    parts: list[str | int] = []
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            parts.append(part)
        else:
            text = "".join(ch for ch in str(part) if ch.isprintable())
            parts.append(text[:_LOC_PART_MAX])
    return parts


def _field(loc: list[str | int]) -> str | None:
    names = [p for p in loc if isinstance(p, str) and p not in ("body", "query", "path")]
    return names[-1] if names else None


def plain_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI's `{"loc", "msg", "type"}` items, reworded, without `input` or `ctx`."""
    out: list[dict[str, Any]] = []
    for error in list(errors)[:_MAX_ERRORS]:
        try:
            loc = _loc(error.get("loc") or ())
            kind = str(error.get("type") or "value_error")
            msg = _words(kind, error.get("ctx") or {}, _field(loc), error.get("msg"))
        except Exception:
            loc, kind, msg = ["request"], "value_error", FALLBACK
        out.append({"loc": loc, "msg": msg, "type": kind})
    return out or [{"loc": ["request"], "msg": FALLBACK, "type": "value_error"}]


class NonFinite(ValueError):
    """A JSON number that is not a finite float (NaN, Infinity, 1e400) or an integer too long
    to read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refuse_constant(_name: str) -> float:
    raise NonFinite(NOT_FINITE)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NonFinite(NOT_FINITE)
    return value


def _bounded_int(text: str) -> int:
    # Python refuses integers over 4,300 digits with a ValueError; no field wants 20.
    if len(text) > 20:
        raise NonFinite(TOO_BIG)
    return int(text)


def check_json_numbers(body: bytes) -> str | None:
    """Why a JSON body's numbers cannot be accepted, or None. Malformed JSON is left to the
    route's own parser, which answers it with its position."""
    try:
        json.loads(
            body,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except NonFinite as refused:
        return refused.message
    except ValueError:
        return None
    return None
