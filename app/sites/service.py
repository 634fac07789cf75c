"""Sites, their chairs and who works where. Admins define them; everyone reads their own sites."""

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record_audit
from app.auth.models import User
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.sessions.models import InfusionSession
from app.sessions.phases import ACTIVE
from app.sites.models import Chair, Site, SiteMember
from app.sites.schemas import ChairCreate, ChairOut, ChairUpdate, SiteCreate, SiteOut, SiteUpdate


async def site_ids_of(db: AsyncSession, user: User) -> set[uuid.UUID] | None:
    """The sites a user may see; None means every site (admins run the whole chain)."""
    if user.role == "admin":
        return None
    rows = await db.scalars(select(SiteMember.site_id).where(SiteMember.user_id == user.id))
    return set(rows.all())


async def sites_in_view(
    db: AsyncSession, user: User, site_id: uuid.UUID | None
) -> set[uuid.UUID] | None:
    """The sites a request covers: the one asked for, if it is one of the user's (404 if not),
    else all the user's; None means every site."""
    allowed = await site_ids_of(db, user)
    if site_id is None:
        return allowed
    if allowed is not None and site_id not in allowed:
        raise NotFound("No site with that id among yours.")
    return {site_id}


async def may_see(db: AsyncSession, user: User, site_id: uuid.UUID) -> bool:
    sites = await site_ids_of(db, user)
    return sites is None or site_id in sites


async def list_sites(
    db: AsyncSession, *, user: User, include_retired: bool = False
) -> list[SiteOut]:
    allowed = await site_ids_of(db, user)
    query = select(Site).order_by(Site.position, Site.name)
    if allowed is not None:
        query = query.where(Site.id.in_(allowed))
    sites = (await db.scalars(query)).all()
    return await _site_outs(db, sites, include_retired=include_retired)


async def _site_outs(
    db: AsyncSession, sites: Sequence[Site], *, include_retired: bool = False
) -> list[SiteOut]:
    ids = [s.id for s in sites]
    query = select(Chair).where(Chair.site_id.in_(ids)).order_by(Chair.position, Chair.name)
    if not include_retired:
        query = query.where(Chair.retired_at.is_(None))
    chairs = (await db.scalars(query)).all()
    rows = await db.execute(
        select(InfusionSession.chair_id, InfusionSession.id).where(
            InfusionSession.site_id.in_(ids), InfusionSession.phase.in_(ACTIVE)
        )
    )
    occupied = {chair_id: session_id for chair_id, session_id in rows}
    by_site: dict[uuid.UUID, list[ChairOut]] = {i: [] for i in ids}
    for chair in chairs:
        by_site[chair.site_id].append(_chair_out(chair, occupied.get(chair.id)))
    return [
        SiteOut(
            id=s.id,
            name=s.name,
            position=s.position,
            escalation_webhook_configured=s.escalation_webhook_url is not None,
            chairs=by_site[s.id],
        )
        for s in sites
    ]


def _chair_out(chair: Chair, session_id: uuid.UUID | None) -> ChairOut:
    return ChairOut(
        id=chair.id,
        site_id=chair.site_id,
        name=chair.name,
        position=chair.position,
        retired_at=chair.retired_at,
        session_id=session_id,
    )


async def get_site(db: AsyncSession, site_id: uuid.UUID) -> Site:
    site = await db.get(Site, site_id)
    if site is None:
        raise NotFound("No site with that id.")
    return site


async def _site_name_free(db: AsyncSession, name: str, site: Site | None = None) -> None:
    found = await db.scalar(select(Site.id).where(Site.name == name))
    if found is not None and (site is None or found != site.id):
        raise Conflict(f"A site called {name!r} exists already; choose another name.")


async def _chair_name_free(
    db: AsyncSession, site_id: uuid.UUID, name: str, chair: Chair | None = None
) -> None:
    found = await db.scalar(select(Chair.id).where(Chair.site_id == site_id, Chair.name == name))
    if found is not None and (chair is None or found != chair.id):
        raise Conflict(f"This site has a chair called {name!r} already; choose another name.")


async def create_site(db: AsyncSession, *, data: SiteCreate, by: User) -> SiteOut:
    position = data.position
    if position is None:
        position = (await db.scalar(select(func.max(Site.position)))) or 0
        position += 1
    await _site_name_free(db, data.name.strip())
    site = Site(
        name=data.name.strip(),
        position=position,
        escalation_webhook_url=str(data.escalation_webhook_url)
        if data.escalation_webhook_url
        else None,
    )
    db.add(site)
    await db.flush()
    await record_audit(
        db,
        action="site.create",
        user=by,
        target_type="site",
        target_id=site.id,
        details={"name": site.name},
    )
    await db.commit()
    return (await _site_outs(db, [site]))[0]


async def update_site(db: AsyncSession, *, site: Site, data: SiteUpdate, by: User) -> SiteOut:
    changes = data.model_dump(exclude_unset=True, mode="json")
    if "name" in changes and changes["name"] is None:
        raise Invalid("name", "A site needs a name.")
    if "position" in changes and changes["position"] is None:
        raise Invalid("position", "Give a position (0 or more).")
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        await _site_name_free(db, changes["name"], site)
    for key, value in changes.items():
        setattr(site, key, value)
    # The URL may hold a receiver's token: the audit row says it changed, not what it is.
    details = {k: ("(changed)" if k == "escalation_webhook_url" else v) for k, v in changes.items()}
    await record_audit(
        db, action="site.update", user=by, target_type="site", target_id=site.id, details=details
    )
    await db.commit()
    return (await _site_outs(db, [site]))[0]


async def add_chair(db: AsyncSession, *, site: Site, data: ChairCreate, by: User) -> ChairOut:
    position = data.position
    if position is None:
        last = await db.scalar(select(func.max(Chair.position)).where(Chair.site_id == site.id))
        position = (last or 0) + 1
    await _chair_name_free(db, site.id, data.name.strip())
    chair = Chair(site_id=site.id, name=data.name.strip(), position=position)
    db.add(chair)
    await db.flush()
    await record_audit(
        db,
        action="chair.create",
        user=by,
        target_type="chair",
        target_id=chair.id,
        details={"site_id": str(site.id), "name": chair.name, "position": position},
    )
    await db.commit()
    return _chair_out(chair, None)


async def get_chair(db: AsyncSession, chair_id: uuid.UUID) -> Chair:
    chair = await db.get(Chair, chair_id)
    if chair is None:
        raise NotFound("No chair with that id.")
    return chair


async def active_session_in(db: AsyncSession, chair_id: uuid.UUID) -> uuid.UUID | None:
    return await db.scalar(
        select(InfusionSession.id).where(
            InfusionSession.chair_id == chair_id, InfusionSession.phase.in_(ACTIVE)
        )
    )


async def update_chair(db: AsyncSession, *, chair: Chair, data: ChairUpdate, by: User) -> ChairOut:
    changes = data.model_dump(exclude_unset=True)
    occupant = await active_session_in(db, chair.id)
    if changes.get("name") is not None:
        await _chair_name_free(db, chair.site_id, changes["name"].strip(), chair)
        chair.name = changes["name"].strip()
    if changes.get("position") is not None:
        chair.position = changes["position"]
    if changes.get("retired") is True and chair.retired_at is None:
        if occupant is not None:
            raise Conflict("This chair has an active session; end it before retiring the chair.")
        chair.retired_at = utcnow()
    elif changes.get("retired") is False:
        chair.retired_at = None
    await record_audit(
        db,
        action="chair.update",
        user=by,
        target_type="chair",
        target_id=chair.id,
        details=changes,
    )
    await db.commit()
    return _chair_out(chair, occupant)


async def chair_for_new_session(db: AsyncSession, *, chair_id: uuid.UUID, by: User) -> Chair:
    """The chair a new session goes into: one of the user's sites, in service, and free."""
    chair = await db.get(Chair, chair_id)
    if chair is None or not await may_see(db, by, chair.site_id):
        raise Invalid("chair_id", "No chair with that id at your sites.")
    if chair.retired_at is not None:
        raise Invalid("chair_id", f"{chair.name} is retired; choose a chair in service.")
    if await active_session_in(db, chair.id) is not None:
        raise Conflict(
            f"{chair.name} already has an active session; end it or choose another chair."
        )
    return chair


async def members(db: AsyncSession, *, site: Site) -> list[uuid.UUID]:
    rows = await db.scalars(select(SiteMember.user_id).where(SiteMember.site_id == site.id))
    return list(rows.all())


async def set_member(
    db: AsyncSession, *, site: Site, user_id: uuid.UUID, member: bool, by: User
) -> None:
    if await db.get(User, user_id) is None:
        raise NotFound("No user with that id.")
    row = await db.get(SiteMember, (site.id, user_id))
    if member and row is None:
        db.add(SiteMember(site_id=site.id, user_id=user_id))
    elif not member and row is not None:
        await db.delete(row)
    else:
        return
    await record_audit(
        db,
        action="site.member_add" if member else "site.member_remove",
        user=by,
        target_type="site",
        target_id=site.id,
        details={"user_id": str(user_id)},
    )
    await db.commit()


async def furnish_site(
    db: AsyncSession, *, chairs: Sequence[str], members: Sequence[uuid.UUID]
) -> Site:
    """The first site gets the named chairs it lacks (in that order) and the members; for the
    demo clinic, which is seeded again on every start. Does not commit."""
    site = await db.scalar(select(Site).order_by(Site.position, Site.name).limit(1))
    if site is None:
        site = Site(name="Main site", position=0)
        db.add(site)
        await db.flush()
    have = set(await db.scalars(select(Chair.name).where(Chair.site_id == site.id)))
    for position, name in enumerate(chairs, start=1):
        if name not in have:
            db.add(Chair(site_id=site.id, name=name, position=position))
    for user_id in members:
        if await db.get(SiteMember, (site.id, user_id)) is None:
            db.add(SiteMember(site_id=site.id, user_id=user_id))
    return site
