from typing import Annotated

from fastapi import APIRouter, Path

from app.deps import Admin, CurrentUser, Db
from app.protocols import service
from app.protocols.schemas import ProtocolIn, ProtocolOut

router = APIRouter(prefix="/api/protocols", tags=["protocols"])

Code = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-z0-9-]+$")]


@router.get("")
async def list_protocols(db: Db, _user: CurrentUser) -> list[ProtocolOut]:
    return await service.list_protocols(db)


@router.get("/{code}")
async def get_protocol(code: Code, db: Db, _user: CurrentUser) -> ProtocolOut:
    return await service.get_protocol(db, code)


@router.put("/{code}")
async def save_protocol(user: Admin, code: Code, body: ProtocolIn, db: Db) -> ProtocolOut:
    """Add or replace a protocol (audited with the reason). Running sessions keep their rules."""
    return await service.save_protocol(db, code=code, data=body, by=user)
