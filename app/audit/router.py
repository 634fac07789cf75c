from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict

from app.audit import service
from app.deps import Admin, AppSettings, Db

router = APIRouter(prefix="/api/audit", tags=["audit"])


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    username: str | None
    client_addr: str | None
    action: str
    target_type: str | None
    target_id: str | None
    outcome: str
    details: dict[str, object]


class ChainOut(BaseModel):
    ok: bool
    checked: int
    first_bad_id: int | None
    message: str
    anchored_id: int | None
    anchored_at: datetime | None


@router.get("")
async def list_audit(
    db: Db,
    _admin: Admin,
    start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    user: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    rows = await service.list_audit(
        db, start=start, end=end, username=user, action=action, limit=limit
    )
    return [AuditOut.model_validate(r) for r in rows]


@router.get("/verify")
async def verify(db: Db, _admin: Admin, settings: AppSettings) -> ChainOut:
    check = await service.verify_log(db, settings)
    return ChainOut(**vars(check))
