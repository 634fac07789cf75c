"""Keyset paging of readings by (taken_at, id) for the range exports, and the alerts the
readings of a page raised."""

import uuid
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Integer, Row, Select, bindparam, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import Alert
from app.exports.schemas import DateRange
from app.sessions.models import InfusionSession
from app.vitals.models import Reading

_Ts = TypeVarTuple("_Ts")
_K = TypeVar("_K")
# Tables rather than ORM attributes where rows are many: a Core row costs a fraction of an ORM
# one.
_reading = Reading.__table__.c
_alert = Alert.__table__.c
_session = InfusionSession.__table__.c

# Readings of sessions at the sites bound as `sites`: a user exports only their own sites'.
AT_SITES = _reading.session_id.in_(
    select(_session.id).where(_session.site_id.in_(bindparam("sites", expanding=True)))
)


def raised(reading_id: ColumnElement[_K], readings: ColumnElement[bool]) -> Select[_K, str, str]:
    """The alerts raised by the readings chosen, as (reading, rule, priority) in raised order."""
    return (
        select(reading_id, _alert.rule, _alert.priority).where(readings).order_by(_alert.raised_at)
    )


RAISED_BY_ID = raised(
    _alert.first_reading_id, _alert.first_reading_id.in_(bindparam("ids", expanding=True))
)


def alerts_by_reading(rows: Iterable[tuple[_K | None, str, str]]) -> dict[_K, list[str]]:
    """Each reading's alerts as rule:priority, in the order they were raised."""
    raised: dict[_K, list[str]] = {}
    for reading_id, rule, priority in rows:
        if reading_id is not None:
            raised.setdefault(reading_id, []).append(f"{rule}:{priority}")
    return raised


# Range exports walk readings by keyset on (taken_at, id), the index ix_reading_taken_id.
_reading_key = tuple_(_reading.taken_at, _reading.id)


Keyset = tuple[Select[*_Ts], Select[*_Ts]]


def _keyset(query: Select[*_Ts]) -> "Keyset[*_Ts]":
    """The first page of the readings taken in [start, end), and the page after a key (after_at,
    after_id), both in key order."""
    ordered = (
        query.where(_reading.taken_at < bindparam("end"))
        .order_by(_reading.taken_at, _reading.id)
        .limit(bindparam("batch", type_=Integer))
    )
    # The key alone as the lower bound: it implies `start` (the key is in the range), and given
    # both, SQLite seeks to `start` and filters its way to the key, so every page would cost more
    # than the one before. A row value is a bound SQLite and PostgreSQL both seek the index to.
    after = tuple_(
        bindparam("after_at", type_=_reading.taken_at.type),
        bindparam("after_id", type_=_reading.id.type),
    )
    return ordered.where(_reading.taken_at >= bindparam("start")), ordered.where(
        _reading_key > after
    )


def keyset(query: Select[*_Ts]) -> dict[bool, "Keyset[*_Ts]"]:
    """The keyset walks of `query` over every site (False) and over the sites bound as `sites`
    (True); built once each, as a statement per page would cost more than it reads."""
    return {False: _keyset(query), True: _keyset(query.where(AT_SITES))}


def page_statement(keysets: dict[bool, "Keyset[*_Ts]"], params: dict[str, Any]) -> Select[*_Ts]:
    """The statement for a page's parameters: limited to sites if they are bound, and only the
    first page has no key to follow."""
    walk = keysets["sites" in params]
    return walk[1] if "after_at" in params else walk[0]


class Page(Generic[*_Ts]):
    """One page of a keyset walk: the parameters of its query, for other queries about the same
    readings, and its rows, read once; the walk goes on from the last row read."""

    def __init__(self, db: AsyncSession, statement: Select[*_Ts], params: dict[str, Any]) -> None:
        self.db, self.statement, self.params = db, statement, params
        self.count = 0
        self.last: Row[*_Ts] | None = None

    def _read(self, rows: Sequence[Row[*_Ts]]) -> None:
        self.count += len(rows)
        if rows:
            self.last = rows[-1]

    async def all(self) -> Sequence[Row[*_Ts]]:
        rows = (await self.db.execute(self.statement, self.params)).all()
        self._read(rows)
        return rows

    async def parts(self, size: int) -> AsyncIterator[Sequence[Row[*_Ts]]]:
        """The rows streamed, `size` at a time. Rows that die young are cheap: a whole page held
        at once outlives two collections, and the garbage collector then sweeps the whole heap
        every few pages (a fifth of the time of a large CSV export)."""
        result = await self.db.stream(
            self.statement, self.params, execution_options={"yield_per": size}
        )
        async for rows in result.partitions():
            self._read(rows)
            yield rows


def range_params(rng: DateRange, sites: Collection[uuid.UUID] | None) -> dict[str, Any]:
    """The parameters of a walk over [start, end), at `sites` (None: every site)."""
    params: dict[str, Any] = {"start": rng.start, "end": rng.end}
    if sites is not None:
        params["sites"] = sorted(sites)
    return params


async def pages(
    db: AsyncSession,
    keysets: dict[bool, "Keyset[*_Ts]"],
    params: dict[str, Any],
    batch: int,
    key: Callable[[Row[*_Ts]], tuple[datetime, uuid.UUID]],
) -> AsyncIterator[Page[*_Ts]]:
    """Pages of `batch` rows by keyset on (taken_at, id), from `range_params`; `key` reads both
    from a row."""
    params = {**params, "batch": batch}
    while True:
        page = Page(db, page_statement(keysets, params), params)
        yield page
        # A short page is the last: the snapshot cannot grow while the export reads it.
        if page.last is None or page.count < batch:
            return
        after_at, after_id = key(page.last)
        params = {**params, "after_at": after_at, "after_id": after_id}
