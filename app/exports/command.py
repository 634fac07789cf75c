"""`vigil export`: the same export functions as the API, against the database directly.

Audited as the user "cli" (the shell user is not a Vigil user; the audit row still says a CLI
export happened, what and when).
"""

import sys
import uuid
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import BinaryIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.config import Settings
from app.db import Database
from app.exports import service
from app.exports.schemas import DateRange, RangeFormat, SessionFormat


def _target(output: Path | None) -> AbstractContextManager[BinaryIO]:
    if output is None:
        return nullcontext(sys.stdout.buffer)
    return output.open("wb")


async def export_session(
    settings: Settings, *, session_id: uuid.UUID, fmt: SessionFormat, output: Path | None
) -> None:
    database = Database(settings.database_url)
    try:
        async with database.session() as db:
            file = await service.export_session(
                db, session_id=session_id, fmt=fmt, by=None, settings=settings
            )
    finally:
        await database.dispose()
    with _target(output) as out:
        out.write(file.content)


async def export_range(
    settings: Settings, *, rng: DateRange, fmt: RangeFormat, output: Path | None
) -> int:
    """Stream readings in the range to the output, with a progress bar on stderr."""
    database = Database(settings.database_url)
    try:
        stream = service.range_export(database, rng=rng, fmt=fmt, by=None)
        total = await stream.open()
        progress = Progress(
            TextColumn("Exporting readings"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        done = 0
        with _target(output) as out, progress:
            task = progress.add_task("export", total=total)
            async for data, rows in stream.chunks():
                out.write(data)
                done += rows
                progress.update(task, advance=rows)
        return done
    finally:
        await database.dispose()
