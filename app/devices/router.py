import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request

from app.deps import Admin, AppSettings, Clinician, CurrentUser, Db
from app.devices import registry, service
from app.devices.schemas import Assign, DeviceIn, DeviceOut, Discard, HeldMessageOut

router = APIRouter(prefix="/api/devices", tags=["devices"])


@router.get("")
async def list_devices(_user: CurrentUser, db: Db) -> list[DeviceOut]:
    return [DeviceOut.model_validate(d) for d in await registry.list_devices(db)]


@router.put("/{device_id}")
async def register_device(
    device_id: Annotated[str, Path(min_length=1, max_length=64)],
    body: DeviceIn,
    user: Admin,
    db: Db,
) -> DeviceOut:
    """Register a monitor (or change its label or chair); its id is what it sends."""
    return DeviceOut.model_validate(
        await registry.register(db, device_id=device_id, data=body, by=user)
    )


@router.get("/unmatched")
async def unmatched(user: Clinician, db: Db, settings: AppSettings) -> list[HeldMessageOut]:
    """Messages no session was found for, oldest first: assign or discard each."""
    tz = service.clinic_zone(settings.mllp_timezone)
    return [service.held_view(m, tz) for m in await service.unmatched(db, by=user)]


@router.post("/unmatched/{message_id}/assign")
async def assign(
    message_id: uuid.UUID,
    body: Assign,
    user: Clinician,
    db: Db,
    request: Request,
    settings: AppSettings,
) -> HeldMessageOut:
    row = await service.assign(
        db,
        request.app.state.device_chart,
        message_id=message_id,
        session_id=body.session_id,
        by=user,
        tz=service.clinic_zone(settings.mllp_timezone),
    )
    return service.held_view(row, service.clinic_zone(settings.mllp_timezone))


@router.post("/unmatched/{message_id}/discard")
async def discard(
    message_id: uuid.UUID, body: Discard, user: Clinician, db: Db, settings: AppSettings
) -> HeldMessageOut:
    row = await service.discard(db, message_id=message_id, reason=body.reason, by=user)
    return service.held_view(row, service.clinic_zone(settings.mllp_timezone))
