"""The rules of the controlled-substance log, as pure functions over its entries: what each
entry does to a container's balance, the running log, what is left of a draw, which counts are
open discrepancies, who may do what, and the hash that chains the entries."""

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

EntryKind = Literal["receive", "draw", "waste", "count", "resolve", "correct", "loss", "destroy"]
Act = Literal[
    "receive", "draw", "waste", "witness", "count", "resolve", "report", "loss", "destroy"
]
# What a DEA Form 106 asks: how the stock was lost.
LossCause = Literal["breakage", "spill", "theft", "lost_in_transit", "unexplained"]
GENESIS = "0" * 64
# The log keeps millilitres to 0.01 mL; a count that differs by less is the same count.
COUNT_TOLERANCE_ML = 0.005

Roles = dict[Act, frozenset[str]]
STAFF_ROLES = frozenset({"nurse", "physician", "admin"})

# Who may do what, until the clinic says otherwise (`controlled_role` rows replace an act's
# line). A user never witnesses their own entry (see `witness_problem`), whatever their role.
ROLES: Roles = {
    "receive": frozenset({"nurse", "physician", "admin"}),
    "draw": frozenset({"nurse", "physician"}),
    "waste": frozenset({"nurse", "physician"}),
    "witness": frozenset({"nurse", "physician", "admin"}),
    "count": frozenset({"nurse", "physician", "admin"}),
    "resolve": frozenset({"admin"}),
    "loss": frozenset({"nurse", "physician", "admin"}),
    "destroy": frozenset({"physician", "admin"}),
    "report": frozenset({"admin"}),
}


@dataclass(frozen=True)
class Fact:
    """The part of an entry the balance rules read."""

    id: int
    kind: EntryKind
    container_id: uuid.UUID
    amount_ml: float
    refers_to: int | None = None
    expected_ml: float | None = None


@dataclass(frozen=True)
class Line:
    """An entry of the running log with the container's balance after it."""

    fact: Fact
    change_ml: float
    balance_ml: float
    superseded: bool


def ml(value: float) -> float:
    return round(value, 2)


def to_ml(*, amount_ml: float | None, amount_mg: float | None, mg_per_ml: float) -> float:
    if amount_ml is not None:
        return ml(amount_ml)
    assert amount_mg is not None
    return ml(amount_mg / mg_per_ml)


def effective(facts: Sequence[Fact]) -> tuple[list[Fact], set[int]]:
    """Entries as they stand after their corrections: a correction's amount replaces the amount
    of the entry it corrects (the latest correction wins); the corrections themselves drop out.
    Also the ids of the entries that were corrected."""
    amounts = {f.refers_to: f.amount_ml for f in facts if f.kind == "correct"}
    superseded = {i for i in amounts if i is not None}
    standing = [
        replace(f, amount_ml=amounts[f.id]) if f.id in amounts else f
        for f in facts
        if f.kind != "correct"
    ]
    return standing, superseded


def change_ml(fact: Fact) -> float:
    """What an entry does to its container's balance. A waste is of a draw: what was drawn and
    not given, already out of the container. A loss (broken, spilt, stolen) and a destruction
    take stock out. A resolution carries the adjustment it accepted."""
    if fact.kind == "receive":
        return fact.amount_ml
    if fact.kind in ("draw", "loss", "destroy"):
        return -fact.amount_ml
    if fact.kind == "resolve":
        return fact.amount_ml
    return 0.0


def balances(facts: Sequence[Fact]) -> dict[uuid.UUID, float]:
    standing, _ = effective(facts)
    out: dict[uuid.UUID, float] = {}
    for f in standing:
        out[f.container_id] = ml(out.get(f.container_id, 0.0) + change_ml(f))
    return out


def running_log(facts: Sequence[Fact]) -> list[Line]:
    """Every entry, in order, with its container's balance after it; a correction's line moves
    the balance by the difference it made to the entry it corrects."""
    _, superseded = effective(facts)
    current: dict[int, Fact] = {}
    totals: dict[uuid.UUID, float] = {}
    lines = []
    for f in facts:
        if f.kind == "correct" and f.refers_to in current:
            before = current[f.refers_to]
            after = replace(before, amount_ml=f.amount_ml)
            delta = change_ml(after) - change_ml(before)
            current[before.id] = after
        else:
            current[f.id] = f
            delta = change_ml(f)
        totals[f.container_id] = ml(totals.get(f.container_id, 0.0) + delta)
        lines.append(Line(f, ml(delta), totals[f.container_id], f.id in superseded))
    return lines


def left_of_draws(facts: Sequence[Fact]) -> dict[int, float]:
    """What each draw still holds: drawn, less what was wasted of it."""
    standing, _ = effective(facts)
    left = {f.id: f.amount_ml for f in standing if f.kind == "draw"}
    for f in standing:
        if f.kind == "waste" and f.refers_to in left:
            left[f.refers_to] -= f.amount_ml
    return {d: ml(v) for d, v in left.items()}


def left_of_draw(facts: Sequence[Fact], draw_id: int) -> float:
    return left_of_draws(facts).get(draw_id, 0.0)


def as_of(entries: Sequence[tuple[Fact, datetime]], moment: datetime) -> list[Fact]:
    """The log as it stood at `moment`: the entries made by then, each with its corrections
    (written later or not: a correction says what was true when the entry was made)."""
    kept: set[int] = set()
    out = []
    for f, at in entries:
        if (f.kind == "correct" and f.refers_to in kept) or (f.kind != "correct" and at <= moment):
            kept.add(f.id)
            out.append(f)
    return out


def discrepancy_ml(fact: Fact) -> float:
    """Counted less computed (negative: short)."""
    assert fact.expected_ml is not None
    return ml(fact.amount_ml - fact.expected_ml)


def differs(counted_ml: float, expected_ml: float) -> bool:
    return abs(ml(counted_ml - expected_ml)) > COUNT_TOLERANCE_ML


def is_discrepancy(fact: Fact) -> bool:
    return fact.kind == "count" and differs(fact.amount_ml, fact.expected_ml or 0.0)


def open_discrepancies(facts: Sequence[Fact]) -> list[Fact]:
    """Counts that differed from the computed balance and no resolution has settled."""
    standing, _ = effective(facts)
    settled = {f.refers_to for f in standing if f.kind == "resolve"}
    return [f for f in standing if is_discrepancy(f) and f.id not in settled]


def uncounted(
    containers: Iterable[uuid.UUID], counted: Iterable[uuid.UUID], held: dict[uuid.UUID, float]
) -> list[uuid.UUID]:
    """Containers that hold stock but are missing from a count."""
    seen = set(counted)
    return [c for c in containers if held.get(c, 0.0) > COUNT_TOLERANCE_ML and c not in seen]


def with_settings(settings: dict[str, list[str]]) -> Roles:
    """The defaults with the clinic's choices laid over them."""
    return {act: frozenset(settings.get(act, roles)) for act, roles in ROLES.items()}


def roles_problem(act: str, roles: Iterable[str]) -> str | None:
    """A clinic's line for an act: staff roles only, and someone must be able to do it."""
    chosen = set(roles)
    if not chosen:
        return f"Someone must be allowed to {act}: choose at least one role."
    if chosen - STAFF_ROLES:
        return f"Only {', '.join(sorted(STAFF_ROLES))} can be given controlled-log duties."
    return None


def role_problem(act: Act, role: str, roles: Roles) -> str | None:
    if role in roles[act]:
        return None
    return f"Your role ({role}) may not {act} controlled substances."


def witness_problem(
    *,
    witness_id: uuid.UUID,
    witness_role: str,
    active: bool,
    actor_ids: Iterable[uuid.UUID],
    roles: Roles,
) -> str | None:
    if witness_id in set(actor_ids):
        return "A witness must be someone other than who made the entry."
    if not active:
        return "The witness's account is disabled."
    if witness_role not in roles["witness"]:
        return f"A {witness_role} may not witness controlled-substance entries."
    return None


def canonical(content: dict[str, object]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def chain_hash(*, prev_hash: str, content: dict[str, object], key_id: str, key: bytes) -> str:
    message = key_id.encode() + b"\n" + prev_hash.encode() + canonical(content)
    return hmac.new(key, message, hashlib.sha256).hexdigest()
