"""The clinic's monitors and the chairs they stand at (admin)."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.devices.models import Device
from app.devices.schemas import DeviceIn
from app.errors import Conflict, Invalid
from app.sites.models import Chair


async def list_devices(db: AsyncSession) -> Sequence[Device]:
    return (await db.scalars(select(Device).order_by(Device.label))).all()


async def register(db: AsyncSession, *, device_id: str, data: DeviceIn, by: User) -> Device:
    if data.id != device_id:
        raise Invalid("id", "The device id in the body must be the one in the address.")
    # Before the device is added: a lookup would flush it, and a missing chair fail as a 500.
    if data.chair_id is not None and await db.get(Chair, data.chair_id) is None:
        raise Invalid("chair_id", "No chair with that id.")
    device = await db.get(Device, device_id)
    if device is None:
        device = Device(id=device_id, label=data.label, chair_id=data.chair_id)
        db.add(device)
    else:
        device.label, device.chair_id = data.label, data.chair_id
    await record_audit(
        db,
        action="device.register",
        user=by,
        target_type="device",
        target_id=device_id,
        details={"label": data.label, "chair_id": str(data.chair_id) if data.chair_id else None},
    )
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        raise Conflict("Another monitor is already bound to that chair.") from None
    return device
