import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.deps import Admin, CurrentUser, Db
from app.sites import service
from app.sites.models import Chair, Site
from app.sites.schemas import ChairCreate, ChairOut, ChairUpdate, SiteCreate, SiteOut, SiteUpdate

router = APIRouter(prefix="/api", tags=["sites"])


async def admin_site(site_id: uuid.UUID, db: Db, _admin: Admin) -> Site:
    return await service.get_site(db, site_id)


async def admin_chair(chair_id: uuid.UUID, db: Db, _admin: Admin) -> Chair:
    return await service.get_chair(db, chair_id)


AdminSite = Annotated[Site, Depends(admin_site)]
AdminChair = Annotated[Chair, Depends(admin_chair)]


@router.get("/sites")
async def list_sites(db: Db, user: CurrentUser, include_retired: bool = False) -> list[SiteOut]:
    """The caller's sites (an admin's: all) with their chairs in order and who sits where;
    retired chairs too on request (the admin screen brings them back into service)."""
    return await service.list_sites(db, user=user, include_retired=include_retired)


@router.post("/sites", status_code=201)
async def create_site(body: SiteCreate, db: Db, admin: Admin) -> SiteOut:
    return await service.create_site(db, data=body, by=admin)


@router.patch("/sites/{site_id}")
async def update_site(admin: Admin, site: AdminSite, body: SiteUpdate, db: Db) -> SiteOut:
    return await service.update_site(db, site=site, data=body, by=admin)


@router.post("/sites/{site_id}/chairs", status_code=201)
async def add_chair(admin: Admin, site: AdminSite, body: ChairCreate, db: Db) -> ChairOut:
    return await service.add_chair(db, site=site, data=body, by=admin)


@router.patch("/chairs/{chair_id}")
async def update_chair(admin: Admin, chair: AdminChair, body: ChairUpdate, db: Db) -> ChairOut:
    return await service.update_chair(db, chair=chair, data=body, by=admin)


@router.get("/sites/{site_id}/members")
async def members(site: AdminSite, db: Db) -> list[uuid.UUID]:
    return await service.members(db, site=site)


@router.put("/sites/{site_id}/members/{user_id}", status_code=204)
async def add_member(admin: Admin, site: AdminSite, user_id: uuid.UUID, db: Db) -> Response:
    await service.set_member(db, site=site, user_id=user_id, member=True, by=admin)
    return Response(status_code=204)


@router.delete("/sites/{site_id}/members/{user_id}", status_code=204)
async def remove_member(admin: Admin, site: AdminSite, user_id: uuid.UUID, db: Db) -> Response:
    await service.set_member(db, site=site, user_id=user_id, member=False, by=admin)
    return Response(status_code=204)
