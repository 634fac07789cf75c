from typing import Annotated

from fastapi import APIRouter, Query, WebSocket

from app.deps import AppSettings, get_database
from app.live.bus import Bus
from app.live.stream import LiveConnection, authenticate

router = APIRouter(tags=["live"])


@router.websocket("/api/live")
async def live(
    websocket: WebSocket,
    settings: AppSettings,
    since: Annotated[int | None, Query(ge=0)] = None,
) -> None:
    database = get_database(websocket)
    login = await authenticate(websocket, database, settings)
    if login is None:
        return
    bus: Bus = websocket.app.state.bus
    connection = LiveConnection(websocket, database=database, settings=settings, login=login)
    await connection.run(bus, since)
