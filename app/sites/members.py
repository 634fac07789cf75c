"""Site membership rules that user management applies (kept apart from sites.service, which
reads sessions, so that auth can use them without importing the session domain)."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.sites.models import Site, SiteMember


async def join_only_site(db: AsyncSession, *, user_id: uuid.UUID) -> None:
    """A clinic with one site needs no membership management: a new user works there. With
    several sites an admin says where (PUT /api/sites/{id}/members/{user_id})."""
    sites = (await db.scalars(select(Site.id).limit(2))).all()
    if len(sites) == 1:
        db.add(SiteMember(site_id=sites[0], user_id=user_id))
