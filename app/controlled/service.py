"""The controlled-substance log: receiving, draws, witnessed waste, counts, discrepancies,
corrections; each write is chained entries plus their audit rows, in one transaction."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.keys import AuditKeys, load_keys
from app.audit.models import AuditEvent
from app.audit.service import record_audit, signing_keys
from app.auth.models import User
from app.auth.service import password_matches
from app.config import Settings
from app.controlled import ledger
from app.controlled.ledger import Act, EntryKind, Fact
from app.controlled.models import Container, LogEntry, RoleSetting
from app.controlled.schemas import (
    Amount,
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
    ResolveIn,
    RoleLine,
    WasteIn,
    WitnessIn,
    WitnessOption,
)
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from app.events import record_event, take_journal_lock
from app.infusion.models import InfusionOrder
from app.sessions.models import InfusionSession
from app.sites.models import Site
from app.sites.service import may_see

WITNESS_FAILED = "The witness's username or password is incorrect."


async def roles(db: AsyncSession) -> ledger.Roles:
    rows = await db.scalars(select(RoleSetting))
    return ledger.with_settings({r.act: r.roles for r in rows})


async def allow(db: AsyncSession, act: Act, user: User) -> None:
    problem = ledger.role_problem(act, user.role, await roles(db))
    if problem:
        raise Forbidden(problem)


def role_lines(table: ledger.Roles) -> list[RoleLine]:
    return [RoleLine.model_validate({"act": a, "roles": sorted(r)}) for a, r in table.items()]


async def set_roles(db: AsyncSession, *, lines: list[RoleLine], by: User) -> list[RoleLine]:
    """The clinic's choice of who may do what; each changed act audited with before and after."""
    before = await roles(db)
    for line in lines:
        problem = ledger.roles_problem(line.act, line.roles)
        if problem:
            raise Invalid("roles", problem)
    changed: dict[Act, list[str]] = {
        ln.act: sorted(set(ln.roles)) for ln in lines if set(ln.roles) != before[ln.act]
    }
    for act, chosen in changed.items():
        row = await db.get(RoleSetting, act)
        if row is None:
            db.add(RoleSetting(act=act, roles=chosen, updated_by=by.id))
        else:
            row.roles, row.updated_at, row.updated_by = chosen, utcnow(), by.id
    await take_journal_lock(db)
    for act, chosen in changed.items():
        await record_audit(
            db,
            action="controlled.roles",
            user=by,
            target_type="controlled_act",
            target_id=act,
            details={"before": sorted(before[act]), "after": chosen},
        )
    await db.commit()
    return role_lines(await roles(db))


async def site_of(db: AsyncSession, site_id: uuid.UUID, user: User) -> Site:
    """The site, if the user works there (admins: every site)."""
    site = await db.get(Site, site_id)
    if site is None:
        raise NotFound("No site with that id.")
    if not await may_see(db, user, site.id):
        raise Forbidden(
            f"You do not work at {site.name}; its controlled-substance log is not yours."
        )
    return site


async def container_of(db: AsyncSession, container_id: uuid.UUID, user: User) -> Container:
    c = await get_container(db, container_id)
    await site_of(db, c.site_id, user)
    return c


# --- reading the log ---------------------------------------------------------------------


def fact(e: LogEntry) -> Fact:
    return Fact(
        id=e.id,
        kind=e.kind,  # type: ignore[arg-type]
        container_id=e.container_id,
        amount_ml=e.amount_ml,
        refers_to=e.refers_to,
        expected_ml=e.expected_ml,
    )


async def site_entries(
    db: AsyncSession, site_id: uuid.UUID, *, container_id: uuid.UUID | None = None
) -> list[LogEntry]:
    query = select(LogEntry).where(LogEntry.site_id == site_id).order_by(LogEntry.id)
    if container_id is not None:
        query = query.where(LogEntry.container_id == container_id)
    return list((await db.scalars(query)).all())


async def site_containers(db: AsyncSession, site_id: uuid.UUID) -> list[Container]:
    query = (
        select(Container)
        .where(Container.site_id == site_id)
        .order_by(Container.received_at, Container.label)
    )
    return list((await db.scalars(query)).all())


async def _names(db: AsyncSession, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await db.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {uid: name for uid, name in rows.all()}


@dataclass(frozen=True)
class Log:
    """A site's (or one container's) entries as they stand: each with its running balance."""

    containers: dict[uuid.UUID, Container]
    entries: list[LogEntry]
    lines: list[ledger.Line]
    names: dict[uuid.UUID, str]

    def out(self) -> list[EntryOut]:
        return [self.entry_out(e, line) for e, line in zip(self.entries, self.lines, strict=True)]

    @cached_property
    def left(self) -> dict[int, float]:
        return ledger.left_of_draws([line.fact for line in self.lines])

    def as_of(self, moment: datetime) -> list[Fact]:
        return ledger.as_of(
            [(line.fact, e.at) for e, line in zip(self.entries, self.lines, strict=True)], moment
        )

    def entry_out(self, e: LogEntry, line: ledger.Line) -> EntryOut:
        c = self.containers[e.container_id]
        return EntryOut(
            id=e.id,
            site_id=e.site_id,
            container_id=e.container_id,
            container_label=c.label,
            kind=e.kind,
            at=e.at,
            recorded_at=e.recorded_at,
            by=e.by,
            by_name=self.names.get(e.by, "?"),
            witness_id=e.witness_id,
            witness_name=self.names.get(e.witness_id) if e.witness_id else None,
            session_id=e.session_id,
            amount_ml=e.amount_ml,
            amount_mg=round(e.amount_ml * c.concentration_mg_per_ml, 1),
            expected_ml=e.expected_ml,
            refers_to=e.refers_to,
            period=e.period,
            reason=e.reason,
            cause=e.cause,
            second_witness_id=e.second_witness_id,
            second_witness_name=self.names.get(e.second_witness_id)
            if e.second_witness_id
            else None,
            change_ml=line.change_ml,
            balance_ml=line.balance_ml,
            balance_mg=round(line.balance_ml * c.concentration_mg_per_ml, 1),
            superseded=line.superseded,
            left_ml=self.left.get(e.id),
        )

    def balances(self) -> dict[uuid.UUID, float]:
        return ledger.balances([line.fact for line in self.lines])

    def discrepancies(self) -> list[Discrepancy]:
        by_id = {e.id: e for e in self.entries}
        return [
            discrepancy_out(by_id[f.id], self.containers[f.container_id])
            for f in ledger.open_discrepancies([line.fact for line in self.lines])
        ]


def discrepancy_out(e: LogEntry, c: Container) -> Discrepancy:
    diff = ledger.discrepancy_ml(fact(e))
    assert e.expected_ml is not None
    return Discrepancy(
        count_entry_id=e.id,
        site_id=e.site_id,
        container_id=c.id,
        container_label=c.label,
        counted_at=e.at,
        counted_ml=e.amount_ml,
        expected_ml=e.expected_ml,
        difference_ml=diff,
        difference_mg=round(diff * c.concentration_mg_per_ml, 1),
    )


async def load_log(
    db: AsyncSession, site_id: uuid.UUID, *, container_id: uuid.UUID | None = None
) -> Log:
    containers = {c.id: c for c in await site_containers(db, site_id)}
    entries = await site_entries(db, site_id, container_id=container_id)
    lines = ledger.running_log([fact(e) for e in entries])
    names = await _names(
        db, [u for e in entries for u in (e.by, e.witness_id, e.second_witness_id)]
    )
    return Log(containers, entries, lines, names)


async def get_container(db: AsyncSession, container_id: uuid.UUID) -> Container:
    container = await db.get(Container, container_id)
    if container is None:
        raise NotFound("No container with that id.")
    return container


async def containers_out(db: AsyncSession, site_id: uuid.UUID) -> list[ContainerOut]:
    log = await load_log(db, site_id)
    held = log.balances()
    return [_container_out(c, held.get(c.id, 0.0)) for c in log.containers.values()]


def _container_out(c: Container, balance_ml: float) -> ContainerOut:
    return ContainerOut.model_validate(
        {
            **{k: getattr(c, k) for k in ContainerOut.model_fields if not k.startswith("balance")},
            "balance_ml": balance_ml,
            "balance_mg": round(balance_ml * c.concentration_mg_per_ml, 1),
        }
    )


# --- the witness ---------------------------------------------------------------------------


async def witnesses(db: AsyncSession, site_id: uuid.UUID, by: User) -> list[WitnessOption]:
    """Who may witness the caller's entries at the site: never the caller."""
    await site_of(db, site_id, by)
    users = await db.scalars(
        select(User)
        .where(User.active, User.role.in_((await roles(db))["witness"]), User.id != by.id)
        .order_by(User.display_name)
    )
    return [
        WitnessOption(username=u.username, display_name=u.display_name, role=u.role)
        for u in users
        if await may_see(db, u, site_id)
    ]


async def _witness_failures(db: AsyncSession, username: str, settings: Settings) -> int:
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    count = await db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "controlled.witness",
            AuditEvent.outcome == "failure",
            AuditEvent.target_id == username,
            AuditEvent.at > since,
        )
    )
    return count or 0


async def confirm_witness(
    db: AsyncSession,
    *,
    witness: WitnessIn,
    actors: Iterable[uuid.UUID],
    by: User,
    act: str,
    site_id: uuid.UUID,
    settings: Settings,
) -> User:
    """The witness's own credentials, checked like a sign-in (and throttled like one). A wrong
    password is refused and the refusal audited, committed even though the entry is not."""
    if await _witness_failures(db, witness.username, settings) >= settings.login_max_failures:
        raise TooManyRequests(
            "Too many wrong witness passwords for this username; try again later."
        )
    user = await db.scalar(select(User).where(User.username == witness.username))
    if not password_matches(witness.password, user):
        await record_audit(
            db,
            action="controlled.witness",
            user=by,
            # The username tried, whoever's login it was tried on: the throttle counts these.
            target_type="witness",
            target_id=witness.username,
            outcome="failure",
            details={"act": act, "witness_username": witness.username},
        )
        await db.commit()
        raise Forbidden(WITNESS_FAILED)
    assert user is not None
    problem = ledger.witness_problem(
        witness_id=user.id,
        witness_role=user.role,
        active=user.active,
        actor_ids=actors,
        roles=await roles(db),
    ) or (None if await may_see(db, user, site_id) else "The witness does not work at this site.")
    if problem:
        await record_audit(
            db,
            action="controlled.witness",
            user=by,
            outcome="refused",
            details={"act": act, "witness_username": user.username, "reason": problem},
        )
        await db.commit()
        raise Forbidden(problem)
    return user


# --- writing the log -----------------------------------------------------------------------


def _content(e: LogEntry) -> dict[str, object]:
    """What an entry's hash covers: everything but its id and the chain fields."""
    content: dict[str, object] = {
        "site_id": str(e.site_id),
        "container_id": str(e.container_id),
        "kind": e.kind,
        "at": e.at.astimezone(UTC).isoformat(),
        "recorded_at": e.recorded_at.astimezone(UTC).isoformat(),
        "by": str(e.by),
        "witness_id": str(e.witness_id) if e.witness_id else None,
        "session_id": str(e.session_id) if e.session_id else None,
        "amount_ml": e.amount_ml,
        "expected_ml": e.expected_ml,
        "refers_to": e.refers_to,
        "period": e.period,
        "reason": e.reason,
    }
    # Only when set, so entries written before these fields existed keep their hashes.
    if e.cause is not None:
        content["cause"] = e.cause
    if e.second_witness_id is not None:
        content["second_witness_id"] = str(e.second_witness_id)
    return content


_LAST = select(LogEntry.hash).order_by(LogEntry.id.desc()).limit(1)


async def append(
    db: AsyncSession, site_id: uuid.UUID, entries: Sequence[LogEntry], *, by: User
) -> None:
    """Chain entries onto the site's log and audit each, in the caller's transaction."""
    keys = signing_keys()
    await take_journal_lock(db)
    prev = await db.scalar(_LAST.where(LogEntry.site_id == site_id)) or ledger.GENESIS
    for e in entries:
        e.site_id = site_id
        e.at = e.at.astimezone(UTC)
        e.prev_hash, e.key_id = prev, keys.current
        e.hash = prev = ledger.chain_hash(
            prev_hash=prev, content=_content(e), key_id=keys.current, key=keys.key
        )
        db.add(e)
        # One at a time: the next entry's hash needs this one's, and the audit row its id.
        await db.flush()
        await record_audit(
            db,
            action=f"controlled.{e.kind}",
            user=by,
            target_type="controlled_entry",
            target_id=str(e.id),
            details=_content(e) | {"id": e.id, "hash": e.hash},
        )


def _entry(
    kind: EntryKind, c: Container, by: User, amount_ml: float, at: datetime | None, **extra: object
) -> LogEntry:
    now = utcnow()
    return LogEntry(
        site_id=c.site_id,
        container_id=c.id,
        kind=kind,
        at=at or now,
        recorded_at=now,
        by=by.id,
        amount_ml=amount_ml,
        **extra,
    )


def _not_future(at: datetime | None, field: str = "at") -> None:
    if at is not None and at > utcnow() + timedelta(minutes=2):
        raise Invalid(field, "That time is in the future.")


async def _entries_out(db: AsyncSession, site_id: uuid.UUID, ids: set[int]) -> list[EntryOut]:
    log = await load_log(db, site_id)
    return [
        log.entry_out(e, line)
        for e, line in zip(log.entries, log.lines, strict=True)
        if e.id in ids
    ]


async def receive(
    db: AsyncSession, *, data: ReceiveIn, by: User, settings: Settings
) -> list[ContainerOut]:
    await allow(db, "receive", by)
    await site_of(db, data.site_id, by)
    _not_future(data.received_at, "received_at")
    if data.expiry < utcnow().date():
        raise Invalid(
            "expiry",
            f"Lot {data.lot} expired on {data.expiry.isoformat()}; it cannot go into stock.",
        )
    witness = await confirm_witness(
        db,
        witness=data.witness,
        actors=[by.id],
        by=by,
        act="receive",
        site_id=data.site_id,
        settings=settings,
    )
    received_at = data.received_at or utcnow()
    containers = [
        Container(
            site_id=data.site_id,
            # Zero-padded, so the labels sort in the order the vials were numbered.
            label=f"{data.lot} #{n:0{len(str(data.quantity))}}/{data.quantity}",
            drug=data.drug,
            ndc=data.ndc,
            concentration_mg_per_ml=data.concentration_mg_per_ml,
            volume_ml=data.volume_ml,
            lot=data.lot,
            expiry=data.expiry,
            supplier=data.supplier,
            invoice=data.invoice,
            received_at=received_at,
        )
        for n in range(1, data.quantity + 1)
    ]
    db.add_all(containers)
    await db.flush()
    entries = [
        _entry(
            "receive",
            c,
            by,
            ledger.ml(data.volume_ml),
            received_at,
            witness_id=witness.id,
            reason=f"Invoice {data.invoice} from {data.supplier}",
        )
        for c in containers
    ]
    await append(db, data.site_id, entries, by=by)
    await db.commit()
    return [_container_out(c, ledger.ml(data.volume_ml)) for c in containers]


def _amount_ml(data: Amount, c: Container) -> float:
    return ledger.to_ml(
        amount_ml=data.amount_ml, amount_mg=data.amount_mg, mg_per_ml=c.concentration_mg_per_ml
    )


async def draw(db: AsyncSession, *, data: DrawIn, by: User) -> EntryOut:
    """A draw for a session, which must have its infusion record (the order) to tie it to."""
    await allow(db, "draw", by)
    _not_future(data.at)
    c = await container_of(db, data.container_id, by)
    if c.expiry < utcnow().date():
        raise Conflict(
            f"{c.label} expired on {c.expiry.isoformat()}; set it aside for destruction."
        )
    s = await db.get(InfusionSession, data.session_id)
    if s is None:
        raise NotFound("No session with that id.")
    if s.site_id != c.site_id:
        raise Conflict("The session is at another site; draw from that site's stock.")
    if await db.get(InfusionOrder, s.id) is None:
        raise Conflict("Record the session's infusion order first: a draw is tied to it.")
    amount = _amount_ml(data, c)
    held = (await load_log(db, c.site_id)).balances().get(c.id, 0.0)
    if amount > held + ledger.COUNT_TOLERANCE_ML:
        raise Conflict(f"{c.label} holds {held:g} mL; {amount:g} mL cannot be drawn from it.")
    e = _entry("draw", c, by, amount, data.at, session_id=s.id)
    await append(db, c.site_id, [e], by=by)
    await db.commit()
    return (await _entries_out(db, c.site_id, {e.id}))[0]


async def _entry_of(db: AsyncSession, entry_id: int) -> LogEntry:
    e = await db.get(LogEntry, entry_id)
    if e is None:
        raise NotFound("No log entry with that id.")
    return e


async def waste(
    db: AsyncSession, *, draw_id: int, data: WasteIn, by: User, settings: Settings
) -> EntryOut:
    """What is left of a draw after the infusion, wasted before a witness."""
    await allow(db, "waste", by)
    _not_future(data.at)
    d = await _entry_of(db, draw_id)
    if d.kind != "draw":
        raise Conflict("Only what was drawn can be wasted.")
    c = await container_of(db, d.container_id, by)
    amount = _amount_ml(data, c)
    left = ledger.left_of_draw(
        [fact(e) for e in await site_entries(db, c.site_id, container_id=c.id)], d.id
    )
    if amount > left + ledger.COUNT_TOLERANCE_ML:
        raise Conflict(f"{left:g} mL of that draw is left; {amount:g} mL cannot be wasted.")
    witness = await confirm_witness(
        db,
        witness=data.witness,
        actors=[by.id, d.by],
        by=by,
        act="waste",
        site_id=c.site_id,
        settings=settings,
    )
    e = _entry(
        "waste",
        c,
        by,
        amount,
        data.at,
        witness_id=witness.id,
        session_id=d.session_id,
        refers_to=d.id,
        reason=(data.reason or "").strip() or None,
    )
    await append(db, c.site_id, [e], by=by)
    await db.commit()
    return (await _entries_out(db, c.site_id, {e.id}))[0]


async def _held(db: AsyncSession, c: Container) -> float:
    facts = [fact(e) for e in await site_entries(db, c.site_id, container_id=c.id)]
    return ledger.balances(facts).get(c.id, 0.0)


async def loss(
    db: AsyncSession, *, container_id: uuid.UUID, data: LossIn, by: User, settings: Settings
) -> EntryOut:
    """Stock broken, spilt or stolen, with a witness: what a DEA Form 106 reports."""
    await allow(db, "loss", by)
    _not_future(data.discovered_at, "discovered_at")
    c = await container_of(db, container_id, by)
    amount, held = _amount_ml(data, c), await _held(db, c)
    if amount > held + ledger.COUNT_TOLERANCE_ML:
        raise Conflict(f"{c.label} holds {held:g} mL; {amount:g} mL cannot be lost from it.")
    witness = await confirm_witness(
        db,
        witness=data.witness,
        actors=[by.id],
        by=by,
        act="loss",
        site_id=c.site_id,
        settings=settings,
    )
    e = _entry(
        "loss",
        c,
        by,
        amount,
        data.discovered_at,
        witness_id=witness.id,
        cause=data.cause,
        reason=data.reason.strip(),
    )
    await append(db, c.site_id, [e], by=by)
    await db.commit()
    return (await _entries_out(db, c.site_id, {e.id}))[0]


async def destroy(
    db: AsyncSession, *, container_id: uuid.UUID, data: DestroyIn, by: User, settings: Settings
) -> EntryOut:
    """All that is left in a container destroyed before two witnesses (DEA Form 41)."""
    await allow(db, "destroy", by)
    c = await container_of(db, container_id, by)
    held = await _held(db, c)
    if held <= ledger.COUNT_TOLERANCE_ML:
        raise Conflict(f"{c.label} is empty; there is nothing to destroy.")
    if data.witnesses[0].username == data.witnesses[1].username:
        raise Invalid("witnesses", "Destruction needs two different witnesses.")
    first = await confirm_witness(
        db,
        witness=data.witnesses[0],
        actors=[by.id],
        by=by,
        act="destroy",
        site_id=c.site_id,
        settings=settings,
    )
    second = await confirm_witness(
        db,
        witness=data.witnesses[1],
        actors=[by.id, first.id],
        by=by,
        act="destroy",
        site_id=c.site_id,
        settings=settings,
    )
    e = _entry(
        "destroy",
        c,
        by,
        held,
        None,
        witness_id=first.id,
        second_witness_id=second.id,
        reason=data.method.strip(),
    )
    await append(db, c.site_id, [e], by=by)
    await db.commit()
    return (await _entries_out(db, c.site_id, {e.id}))[0]


async def _for_resolvers(
    db: AsyncSession, site_id: uuid.UUID, data: dict[str, object]
) -> dict[str, object]:
    """A discrepancy's event goes to those at its site who may resolve it (app/live/bus.py)."""
    return {"site_id": str(site_id), "roles": sorted((await roles(db))["resolve"]), **data}


async def count(db: AsyncSession, *, data: CountIn, by: User, settings: Settings) -> CountOut:
    """A start- or end-of-day count of every container holding stock; each difference from the
    computed balance opens a discrepancy, announced to the site's admins."""
    await allow(db, "count", by)
    await site_of(db, data.site_id, by)
    log = await load_log(db, data.site_id)
    held = log.balances()
    ids = [line.container_id for line in data.counts]
    if len(set(ids)) != len(ids):
        raise Invalid("counts", "A container is counted twice.")
    strangers = [i for i in ids if i not in log.containers]
    if strangers:
        raise Invalid("counts", f"Container {strangers[0]} is not this site's.")
    missing = ledger.uncounted(log.containers, ids, held)
    if missing:
        labels = ", ".join(log.containers[m].label for m in missing[:5])
        raise Invalid(
            "counts", f"Every container holding stock must be counted; missing: {labels}."
        )
    witness = await confirm_witness(
        db,
        witness=data.witness,
        actors=[by.id],
        by=by,
        act="count",
        site_id=data.site_id,
        settings=settings,
    )
    now = utcnow()
    entries = [
        _entry(
            "count",
            log.containers[line.container_id],
            by,
            ledger.ml(line.counted_ml),
            now,
            witness_id=witness.id,
            expected_ml=held.get(line.container_id, 0.0),
            period=data.period,
        )
        for line in data.counts
    ]
    await append(db, data.site_id, entries, by=by)
    found = [
        discrepancy_out(e, log.containers[e.container_id])
        for e in entries
        if ledger.is_discrepancy(fact(e))
    ]
    for d in found:
        payload = d.model_dump(mode="json")
        await record_audit(
            db,
            action="controlled.discrepancy",
            user=by,
            target_type="controlled_entry",
            target_id=str(d.count_entry_id),
            outcome="opened",
            details=payload,
        )
        await record_event(
            db,
            type="controlled.discrepancy_opened",
            session_id=None,
            data=await _for_resolvers(db, data.site_id, {"discrepancy": payload}),
        )
    await db.commit()
    return CountOut(
        entries=await _entries_out(db, data.site_id, {e.id for e in entries}), discrepancies=found
    )


async def discrepancies(db: AsyncSession, site_id: uuid.UUID) -> list[Discrepancy]:
    return (await load_log(db, site_id)).discrepancies()


async def resolve(db: AsyncSession, *, count_id: int, data: ResolveIn, by: User) -> EntryOut:
    await allow(db, "resolve", by)
    e = await _entry_of(db, count_id)
    await site_of(db, e.site_id, by)
    log = await load_log(db, e.site_id)
    open_ = {d.count_entry_id: d for d in log.discrepancies()}
    if count_id not in open_:
        raise Conflict("That entry is not an open discrepancy.")
    d = open_[count_id]
    c = log.containers[e.container_id]
    r = _entry(
        "resolve",
        c,
        by,
        d.difference_ml if data.accept_count else 0.0,
        None,
        refers_to=count_id,
        reason=data.reason.strip(),
    )
    await append(db, e.site_id, [r], by=by)
    await record_event(
        db,
        type="controlled.discrepancy_resolved",
        session_id=None,
        data=await _for_resolvers(
            db,
            e.site_id,
            {"discrepancy": d.model_dump(mode="json"), "resolution": data.model_dump(mode="json")},
        ),
    )
    await db.commit()
    return (await _entries_out(db, e.site_id, {r.id}))[0]


CORRECTABLE: dict[str, Act] = {"receive": "receive", "draw": "draw", "waste": "waste"}


async def correct(
    db: AsyncSession, *, entry_id: int, data: CorrectIn, by: User, settings: Settings
) -> EntryOut:
    """A new entry that replaces the amount of an earlier one; the earlier stays as written."""
    old = await _entry_of(db, entry_id)
    if old.kind not in CORRECTABLE:
        raise Conflict(f"A {old.kind} entry cannot be corrected; record a new one.")
    await allow(db, CORRECTABLE[old.kind], by)
    c = await container_of(db, old.container_id, by)
    amount = _amount_ml(data, c)
    witness_id = None
    if old.witness_id is not None:
        if data.witness is None:
            raise Invalid("witness", "The entry was witnessed; its correction needs a witness too.")
        witness_id = (
            await confirm_witness(
                db,
                witness=data.witness,
                actors=[by.id, old.by],
                by=by,
                act="correct",
                site_id=c.site_id,
                settings=settings,
            )
        ).id
    fix = _entry(
        "correct",
        c,
        by,
        amount,
        None,
        witness_id=witness_id,
        session_id=old.session_id,
        refers_to=old.id,
        reason=data.reason.strip(),
    )
    facts = [fact(e) for e in await site_entries(db, c.site_id, container_id=c.id)]
    after = [
        *facts,
        Fact(id=-1, kind="correct", container_id=c.id, amount_ml=amount, refers_to=old.id),
    ]
    if ledger.balances(after).get(c.id, 0.0) < -ledger.COUNT_TOLERANCE_ML:
        raise Conflict(f"With that correction {c.label} would hold less than nothing.")
    draws = {old.refers_to} if old.kind == "waste" else {old.id} if old.kind == "draw" else set()
    if any(
        d is not None and ledger.left_of_draw(after, d) < -ledger.COUNT_TOLERANCE_ML for d in draws
    ):
        raise Conflict("With that correction more would be wasted than was drawn.")
    await append(db, c.site_id, [fix], by=by)
    await db.commit()
    return (await _entries_out(db, c.site_id, {fix.id}))[0]


# --- the chain -----------------------------------------------------------------------------


def verify_entries(entries: Sequence[LogEntry], keys: AuditKeys) -> LogCheck:
    prev = ledger.GENESIS
    for n, e in enumerate(entries):
        if e.prev_hash != prev:
            return LogCheck(
                ok=False,
                checked=n,
                first_bad_id=e.id,
                message=f"Log entry {e.id} does not follow the entry before it: "
                "an entry was removed or reordered.",
            )
        key = keys.keys.get(e.key_id)
        if key is None:
            return LogCheck(
                ok=False,
                checked=n,
                first_bad_id=e.id,
                message=f"Log entry {e.id} was signed with key '{e.key_id}', not in the key file.",
            )
        expected = ledger.chain_hash(prev_hash=prev, content=_content(e), key_id=e.key_id, key=key)
        if expected != e.hash:
            return LogCheck(
                ok=False,
                checked=n,
                first_bad_id=e.id,
                message=f"Log entry {e.id} was altered after it was written.",
            )
        prev = e.hash
    return LogCheck(
        ok=True,
        checked=len(entries),
        first_bad_id=None,
        message=f"All {len(entries)} entries of this site's log are intact.",
    )


async def verify(db: AsyncSession, *, site_id: uuid.UUID, by: User, settings: Settings) -> LogCheck:
    await allow(db, "report", by)
    await site_of(db, site_id, by)
    keys = await anyio.to_thread.run_sync(load_keys, settings.audit_key_file)
    result = verify_entries(await site_entries(db, site_id), keys)
    await record_audit(
        db,
        action="controlled.verify",
        user=by,
        target_type="site",
        target_id=site_id,
        outcome="success" if result.ok else "failure",
        details=result.model_dump(mode="json"),
    )
    await db.commit()
    return result
