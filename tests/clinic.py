"""The clinic every test database is set up with, as an admin would: the migrated default site,
chairs "Chair 1".."Chair 24" in order, and the test's staff working there."""

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from app.sites.service import furnish_site

TEST_CHAIRS = [f"Chair {n}" for n in range(1, 25)]


async def seed_site(db: AsyncSession, user_ids: Iterable[uuid.UUID]) -> uuid.UUID:
    site = await furnish_site(db, chairs=TEST_CHAIRS, members=list(user_ids))
    await db.commit()
    return site.id
