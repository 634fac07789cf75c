import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response

from app.auth.models import User
from app.controlled import export, service
from app.controlled.ledger import Act
from app.controlled.schemas import (
    AsOf,
    ContainerOut,
    CorrectIn,
    CountIn,
    CountOut,
    DestroyIn,
    Discrepancy,
    DrawIn,
    EntryOut,
    LogCheck,
    LossIn,
    ReceiveIn,
    ReportRange,
    ResolveIn,
    RoleLine,
    WasteIn,
    WitnessOption,
)
from app.deps import Admin, AppSettings, CurrentUser, Db, require_mfa

# Entries are numbered by the database's 64-bit key: a larger number is refused in words, not
# passed to the driver (the fuzzer's 30-digit id was a 500).
EntryId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _may(act: Act) -> object:
    """The clinic's role check as a dependency, so a refused role is told so before its input
    is read."""

    async def check(request: Request, db: Db, user: CurrentUser) -> User:
        await service.allow(db, act, user)
        require_mfa(request, user)
        return user

    return Depends(check)


Receiver = Annotated[User, _may("receive")]
Drawer = Annotated[User, _may("draw")]
Waster = Annotated[User, _may("waste")]
Counter = Annotated[User, _may("count")]
Resolver = Annotated[User, _may("resolve")]
Reporter = Annotated[User, _may("report")]
Recorder = Annotated[User, _may("loss")]
Destroyer = Annotated[User, _may("destroy")]

router = APIRouter(prefix="/api/controlled", tags=["controlled substances"])
REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "The role may not do this, or the witness was refused"},
    409: {"description": "The log forbids it; the message says why"},
}


def _download(file: export.File) -> Response:
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


@router.post("/receipts", status_code=201, responses=REFUSED)
async def receive(
    body: ReceiveIn, db: Db, user: Receiver, settings: AppSettings
) -> list[ContainerOut]:
    """Stock received into the site's safe, one container per vial, witnessed."""
    return await service.receive(db, data=body, by=user, settings=settings)


@router.get("/sites/{site_id}/containers")
async def containers(site_id: uuid.UUID, db: Db, user: CurrentUser) -> list[ContainerOut]:
    await service.site_of(db, site_id, user)
    return await service.containers_out(db, site_id)


@router.get("/containers/{container_id}/log")
async def container_log(container_id: uuid.UUID, db: Db, user: CurrentUser) -> list[EntryOut]:
    c = await service.container_of(db, container_id, user)
    return (await service.load_log(db, c.site_id, container_id=c.id)).out()


@router.get("/sites/{site_id}/log")
async def site_log(site_id: uuid.UUID, db: Db, user: CurrentUser) -> list[EntryOut]:
    await service.site_of(db, site_id, user)
    return (await service.load_log(db, site_id)).out()


@router.post("/draws", status_code=201, responses=REFUSED)
async def draw(body: DrawIn, db: Db, user: Drawer) -> EntryOut:
    return await service.draw(db, data=body, by=user)


@router.post("/draws/{entry_id}/waste", status_code=201, responses=REFUSED)
async def waste(
    entry_id: EntryId, body: WasteIn, db: Db, user: Waster, settings: AppSettings
) -> EntryOut:
    """What is left of a draw, wasted before a witness who signs with their own password."""
    return await service.waste(db, draw_id=entry_id, data=body, by=user, settings=settings)


@router.post("/containers/{container_id}/losses", status_code=201, responses=REFUSED)
async def loss(
    container_id: uuid.UUID, body: LossIn, db: Db, user: Recorder, settings: AppSettings
) -> EntryOut:
    """Breakage, spill or theft, witnessed: the data of a DEA Form 106."""
    return await service.loss(db, container_id=container_id, data=body, by=user, settings=settings)


@router.post("/containers/{container_id}/destruction", status_code=201, responses=REFUSED)
async def destroy(
    container_id: uuid.UUID, body: DestroyIn, db: Db, user: Destroyer, settings: AppSettings
) -> EntryOut:
    """What is left in a container destroyed before two witnesses: a DEA Form 41's data."""
    return await service.destroy(
        db, container_id=container_id, data=body, by=user, settings=settings
    )


@router.post("/counts", status_code=201, responses=REFUSED)
async def count(body: CountIn, db: Db, user: Counter, settings: AppSettings) -> CountOut:
    return await service.count(db, data=body, by=user, settings=settings)


@router.get("/sites/{site_id}/discrepancies")
async def discrepancies(site_id: uuid.UUID, db: Db, user: CurrentUser) -> list[Discrepancy]:
    """Counts that differed from the log and are not resolved yet."""
    await service.site_of(db, site_id, user)
    return await service.discrepancies(db, site_id)


@router.post("/discrepancies/{entry_id}/resolution", status_code=201, responses=REFUSED)
async def resolve(entry_id: EntryId, body: ResolveIn, db: Db, user: Resolver) -> EntryOut:
    return await service.resolve(db, count_id=entry_id, data=body, by=user)


@router.post("/entries/{entry_id}/corrections", status_code=201, responses=REFUSED)
async def correct(
    entry_id: EntryId, body: CorrectIn, db: Db, user: CurrentUser, settings: AppSettings
) -> EntryOut:
    """A new entry replacing an earlier one's amount; the earlier stays in the log."""
    return await service.correct(db, entry_id=entry_id, data=body, by=user, settings=settings)


@router.get("/sites/{site_id}/verify", responses=REFUSED)
async def verify(site_id: uuid.UUID, db: Db, user: Reporter, settings: AppSettings) -> LogCheck:
    """Walks the site's chain of entries: an edited, removed or reordered entry is found."""
    return await service.verify(db, site_id=site_id, by=user, settings=settings)


@router.get("/sites/{site_id}/log.csv", response_class=Response, responses=REFUSED)
async def log_csv(site_id: uuid.UUID, db: Db, user: Reporter) -> Response:
    return _download(await export.log_csv(db, site_id=site_id, by=user))


@router.get("/sites/{site_id}/dispensing.csv", response_class=Response, responses=REFUSED)
async def dispensing_csv(
    site_id: uuid.UUID, rng: Annotated[ReportRange, Query()], db: Db, user: Reporter
) -> Response:
    return _download(
        await export.dispensing_csv(db, site_id=site_id, by=user, start=rng.start, end=rng.end)
    )


@router.get("/sites/{site_id}/inventory.pdf", response_class=Response, responses=REFUSED)
async def inventory_pdf(
    site_id: uuid.UUID, when: Annotated[AsOf, Query()], db: Db, user: Reporter
) -> Response:
    """The biennial inventory (21 CFR 1304.11): every container holding stock at `as_of`."""
    return _download(await export.inventory_pdf(db, site_id=site_id, by=user, as_of=when.as_of))


@router.get("/sites/{site_id}/inventory.csv", response_class=Response, responses=REFUSED)
async def inventory_csv(
    site_id: uuid.UUID, when: Annotated[AsOf, Query()], db: Db, user: Reporter
) -> Response:
    return _download(await export.inventory_csv(db, site_id=site_id, by=user, as_of=when.as_of))


@router.get("/sites/{site_id}/log.pdf", response_class=Response, responses=REFUSED)
async def log_pdf(site_id: uuid.UUID, db: Db, user: Reporter) -> Response:
    return _download(await export.log_pdf(db, site_id=site_id, by=user))


@router.get("/containers/{container_id}/log.pdf", response_class=Response, responses=REFUSED)
async def container_log_pdf(container_id: uuid.UUID, db: Db, user: Reporter) -> Response:
    c = await service.container_of(db, container_id, user)
    return _download(await export.log_pdf(db, site_id=c.site_id, by=user, container_id=c.id))


@router.get("/sites/{site_id}/witnesses")
async def witnesses(site_id: uuid.UUID, db: Db, user: CurrentUser) -> list[WitnessOption]:
    """Who may witness the caller's entries at the site (never the caller)."""
    return await service.witnesses(db, site_id, user)


@router.get("/acts")
async def acts(db: Db, user: CurrentUser) -> list[Act]:
    """What the caller's role may do in the controlled-substance log."""
    return [act for act, roles in (await service.roles(db)).items() if user.role in roles]


@router.get("/roles")
async def roles(db: Db, user: CurrentUser) -> list[RoleLine]:
    """Who may do what in the log: the clinic's choice over the defaults."""
    return service.role_lines(await service.roles(db))


@router.put("/roles", responses={422: {"description": "A line the log cannot work with"}})
async def set_roles(
    body: Annotated[list[RoleLine], Body(max_length=20)], db: Db, admin: Admin
) -> list[RoleLine]:
    """Set who may receive, draw, waste, witness, count, resolve, report, record losses and
    destroy; audited per act changed."""
    return await service.set_roles(db, lines=body, by=admin)
