"""A monitor's message, from its text to its ACK: which session it belongs to, charting it, and
holding what belongs to no session for a nurse (DESIGN §2, docs/devices.md).

`receive` answers only after everything the message changed has committed: the readings (in
the reading pipeline's batch) and the `device_message` row that remembers the ACK. Reading ids
are derived from the device, MSH-10 and observation time, so a message resent after a crash
between those two commits is a replay of the same readings, never a second set.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.config import Settings
from app.db import Database, utcnow
from app.devices.codes import CHARTED
from app.devices.mllp import start_listener, trusted_networks
from app.devices.models import Device, DeviceMessage
from app.devices.pcd01 import AckError, Refused, ack, read_message
from app.devices.pcd01 import DeviceMessage as Parsed
from app.devices.schemas import HeldMessageOut
from app.errors import Conflict, Invalid, NotFound, VigilError
from app.patients.models import Patient
from app.sessions.models import InfusionSession
from app.sessions.phases import ACTIVE
from app.vitals.codes import summary
from app.vitals.plan import NewReading, Submission
from app.vitals.schemas import DeviceReadingIn
from app.vitals.writer import ReadingWriter

log = logging.getLogger(__name__)

# Reading ids of device readings: uuid5 of this namespace and device|MSH-10|time.
READING_IDS = uuid.UUID("6f1d7c2e-2a4b-4f4e-9c53-5b0d6c1e8a31")

# Charts a message's readings into a session through the reading pipeline; returns when they
# have committed. Raises a VigilError when the session refuses them (it ended meanwhile).
Chart = Callable[[uuid.UUID, Parsed, Sequence[uuid.UUID]], Awaitable[None]]


def reading_ids(message: Parsed) -> list[uuid.UUID]:
    return [
        uuid.uuid5(
            READING_IDS, f"{message.device_id}|{message.control_id}|{r.taken_at.isoformat()}"
        )
        for r in message.readings
    ]


def clinic_zone(name: str) -> tzinfo:
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


async def find_session(db: AsyncSession, message: Parsed) -> uuid.UUID | None:
    """PID-3 the MRN of a patient with one active session → that one; else the device bound to
    a chair with an active session → that one; else None (held for a nurse, never guessed)."""
    active = InfusionSession.phase.in_(ACTIVE)
    if message.mrn:
        by_mrn = (
            await db.scalars(
                select(InfusionSession.id).join(Patient).where(Patient.mrn == message.mrn, active)
            )
        ).all()
        if len(by_mrn) == 1:
            return by_mrn[0]
    device = await db.get(Device, message.device_id)
    if device is None or device.chair_id is None:
        return None
    at_chair = (
        await db.scalars(
            select(InfusionSession.id).where(InfusionSession.chair_id == device.chair_id, active)
        )
    ).all()
    return at_chair[0] if len(at_chair) == 1 else None


def _reason(error: VigilError) -> str:
    detail = error.detail
    return str(detail[0]["msg"]) if isinstance(detail, list) else str(detail)


def _warnings(message: Parsed) -> list[AckError]:
    return [
        AckError("207", f"not charted: {s.reason}", "W", f"OBX^{s.obx}^5") for s in message.skipped
    ]


async def _stored_ack(db: AsyncSession, device_id: str, control_id: str) -> str | None:
    return await db.scalar(
        select(DeviceMessage.ack).where(
            DeviceMessage.device_id == device_id, DeviceMessage.control_id == control_id
        )
    )


async def receive(
    database: Database, chart: Chart, text: str, address: str, *, tz: tzinfo = UTC
) -> str:
    """The ACK for one message, after what it changed has committed."""
    now = utcnow()
    try:
        message = read_message(text, tz)
    except Refused as refused:
        log.warning("MLLP message from %s refused: %s", address, refused.reason)
        return ack(
            code="AR",
            control_id=refused.control_id,
            ack_id=uuid.uuid4().hex,
            receiving_app="",
            receiving_facility="",
            now=now,
            errors=[AckError(refused.code, refused.reason)],
        )

    def answer(code: str, errors: list[AckError]) -> str:
        return ack(
            code=code,
            control_id=message.control_id,
            ack_id=uuid.uuid4().hex,
            receiving_app=message.sending_app,
            receiving_facility=message.sending_facility,
            now=now,
            errors=errors,
        )

    async with database.session() as db:
        if (stored := await _stored_ack(db, message.device_id, message.control_id)) is not None:
            return stored  # the same message again: the same answer, nothing changed
        session_id = await find_session(db, message)
    state, errors = "charted", _warnings(message)
    if not message.readings:
        state = "not_charted"
        errors = errors or [AckError("207", "the message holds no vital sign Vigil charts")]
    elif session_id is None:
        state = "unmatched"
        errors.append(
            AckError("204", "no session for this patient or device: held for a nurse", "W")
        )
    else:
        try:
            await chart(session_id, message, reading_ids(message))
        except VigilError as refused:
            state, session_id = "unmatched", None
            errors.append(AckError("207", f"held for a nurse: {_reason(refused)}", "W"))
    answered = answer("AE" if state == "not_charted" else "AA", errors)
    async with database.session() as db:
        db.add(
            DeviceMessage(
                device_id=message.device_id,
                control_id=message.control_id,
                received_at=now,
                source_addr=address,
                text=text,
                state=state,
                session_id=session_id if state == "charted" else None,
                ack=answered,
            )
        )
        if (device := await db.get(Device, message.device_id)) is not None:
            device.last_message_at = now
        try:
            await db.commit()
        except IntegrityError:
            # The monitor resent while this one was being written (a second connection).
            await db.rollback()
            stored = await _stored_ack(db, message.device_id, message.control_id)
            if stored is None:
                raise
            return stored
    return answered


def held_view(row: DeviceMessage, tz: tzinfo = UTC) -> HeldMessageOut:
    """A held message as a nurse reads it: who it names, what it holds, why it was held."""
    message = read_message(row.text, tz)
    values = [
        f"{r.taken_at.astimezone(tz):%H:%M:%S} "
        + summary(
            *(_whole(r.values.get(f)) for f in ("heart_rate", "systolic", "diastolic", "spo2"))
        )
        for r in message.readings
    ]
    reasons = [
        segment.split("|")[8].replace("\\F\\", "|")
        for segment in row.ack.split("\r")
        if segment.startswith("ERR|") and len(segment.split("|")) > 8
    ]
    return HeldMessageOut(
        id=row.id,
        device_id=row.device_id,
        control_id=row.control_id,
        received_at=row.received_at,
        state=row.state,
        session_id=row.session_id,
        ack=row.ack,
        mrn=message.mrn,
        values=values,
        reasons=reasons,
    )


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


async def unmatched(db: AsyncSession, *, by: User) -> Sequence[DeviceMessage]:
    """The held messages, oldest first; their patient ids and values are read, so audited."""
    rows = await db.scalars(
        select(DeviceMessage)
        .where(DeviceMessage.state == "unmatched")
        .order_by(DeviceMessage.received_at)
    )
    held = rows.all()
    await record_audit(
        db,
        action="device_message.list",
        user=by,
        target_type="device_message",
        target_id=None,
        details={"count": len(held)},
    )
    await db.commit()
    return held


async def _held(db: AsyncSession, message_id: uuid.UUID) -> DeviceMessage:
    row = await db.get(DeviceMessage, message_id)
    if row is None:
        raise NotFound("No device message with that id.")
    if row.state != "unmatched":
        raise Conflict(f"This message was already {row.state.replace('_', ' ')}.")
    return row


async def assign(
    db: AsyncSession,
    chart: Chart,
    *,
    message_id: uuid.UUID,
    session_id: uuid.UUID,
    by: User,
    tz: tzinfo = UTC,
) -> DeviceMessage:
    """A nurse charts a held message into a session (its readings as the monitor sent them)."""
    parsed = read_message((await _held(db, message_id)).text, tz)
    # The reading writer takes the write lock itself: this transaction must not hold it.
    await db.rollback()
    await chart(session_id, parsed, reading_ids(parsed))
    # Its reading ids are the message's: a second nurse assigning it elsewhere meanwhile got
    # a 409 from the writer, one assigning it to the same session finds it done here.
    row = await _held(db, message_id)
    row.state, row.session_id = "assigned", session_id
    row.resolved_at, row.resolved_by = utcnow(), by.id
    await record_audit(
        db,
        action="device_message.assign",
        user=by,
        target_type="device_message",
        target_id=row.id,
        details={"session_id": str(session_id), "device_id": row.device_id},
    )
    await db.commit()
    return row


async def discard(
    db: AsyncSession, *, message_id: uuid.UUID, reason: str, by: User
) -> DeviceMessage:
    row = await _held(db, message_id)
    row.state, row.resolve_reason = "discarded", reason
    row.resolved_at, row.resolved_by = utcnow(), by.id
    await record_audit(
        db,
        action="device_message.discard",
        user=by,
        target_type="device_message",
        target_id=row.id,
        details={"reason": reason, "device_id": row.device_id},
    )
    await db.commit()
    return row


DEVICE_USER = "device-feed"


async def device_user(database: Database) -> User:
    """The user device readings are recorded by: never able to sign in (inactive, no password)."""
    async with database.session() as db:
        user = await db.scalar(select(User).where(User.username == DEVICE_USER))
        if user is None:
            user = User(
                username=DEVICE_USER,
                display_name="Bedside monitor feed",
                role="device",
                password_hash="!",  # noqa: S106  (no password hashes to "!": never signs in)
                active=False,
            )
            db.add(user)
            try:
                await db.commit()
            except IntegrityError:
                await db.rollback()
                user = await db.scalar(select(User).where(User.username == DEVICE_USER))
        assert user is not None
        return user


def writer_chart(database: Database, writer: ReadingWriter) -> Chart:
    """Charts through the PUT path's batch writer: each reading is a batch submission under its
    derived id, with the vitals the monitor sent (a partial set is charted as it is)."""
    users: list[User] = []

    async def chart(session_id: uuid.UUID, message: Parsed, ids: Sequence[uuid.UUID]) -> None:
        if not users:
            users.append(await device_user(database))
        for reading, reading_id in zip(message.readings, ids, strict=True):
            values = {k: v for k, v in reading.values.items() if k in CHARTED}
            try:
                data = DeviceReadingIn.model_validate(
                    {
                        "taken_at": reading.taken_at,
                        **{k: v if k == "temperature_c" else round(v) for k, v in values.items()},
                        # What the monitor measured is charted and alerted on: nobody at the
                        # monitor could confirm it, and a real desaturation must not be held.
                        "confirm_value": True,
                    }
                )
            except ValidationError as exc:
                raise Invalid("values", str(exc.errors()[0]["msg"])) from None
            change = NewReading(reading_id, data, device_id=message.device_id)
            await writer.submit(Submission(session_id, change, users[0], None))

    return chart


async def start_feed(database: Database, chart: Chart, settings: Settings) -> asyncio.Server:
    """The MLLP listener of this process, charting through `chart`."""
    networks = trusted_networks(settings.mllp_allowed_sources)
    tz = clinic_zone(settings.mllp_timezone)
    assert settings.mllp_port is not None

    async def on_message(text: str, address: str) -> str:
        return await receive(database, chart, text, address, tz=tz)

    server = await start_listener(settings.mllp_host, settings.mllp_port, on_message, networks)
    log.info("MLLP listener on %s:%d", settings.mllp_host, settings.mllp_port)
    return server
