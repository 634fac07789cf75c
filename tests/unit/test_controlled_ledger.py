"""The controlled-substance log's rules, as pure functions."""

import uuid

from app.controlled import ledger
from app.controlled.ledger import Fact

VIAL = uuid.uuid4()


def test_balance_follows_receipts_draws_and_accepted_counts_not_wastes():
    facts = [
        Fact(1, "receive", VIAL, 10),
        Fact(2, "draw", VIAL, 2),
        Fact(3, "waste", VIAL, 0.4, refers_to=2),
        Fact(4, "count", VIAL, 7, expected_ml=8),
        Fact(5, "resolve", VIAL, -1, refers_to=4),
    ]
    assert ledger.balances(facts) == {VIAL: 7}
    assert [line.balance_ml for line in ledger.running_log(facts)] == [10, 8, 8, 8, 7]
    assert ledger.left_of_draw(facts, 2) == 1.6
    assert ledger.open_discrepancies(facts) == []
    assert ledger.open_discrepancies(facts[:4]) == [facts[3]]


def test_a_correction_replaces_the_amount_and_the_latest_wins():
    facts = [
        Fact(1, "receive", VIAL, 10),
        Fact(2, "draw", VIAL, 2),
        Fact(3, "correct", VIAL, 1.5, refers_to=2),
        Fact(4, "correct", VIAL, 1.8, refers_to=2),
    ]
    lines = ledger.running_log(facts)
    assert [(line.change_ml, line.balance_ml, line.superseded) for line in lines] == [
        (10, 10, False),
        (-2, 8, True),
        (0.5, 8.5, False),
        (-0.3, 8.2, False),
    ]
    assert ledger.balances(facts) == {VIAL: 8.2}


def test_a_count_within_the_rounding_is_no_discrepancy():
    assert not ledger.is_discrepancy(Fact(1, "count", VIAL, 8.004, expected_ml=8))
    assert ledger.is_discrepancy(Fact(1, "count", VIAL, 7.99, expected_ml=8))


def test_mg_are_converted_at_the_strength():
    assert ledger.to_ml(amount_ml=None, amount_mg=100, mg_per_ml=50) == 2
    assert ledger.to_ml(amount_ml=1.234, amount_mg=None, mg_per_ml=50) == 1.23


def test_no_one_witnesses_their_own_entry():
    me, other = uuid.uuid4(), uuid.uuid4()

    def problem(witness: uuid.UUID, role: str = "nurse", active: bool = True) -> str | None:
        return ledger.witness_problem(
            witness_id=witness, witness_role=role, active=active, actor_ids=[me], roles=ledger.ROLES
        )

    assert problem(me)
    assert not problem(other)
    assert problem(other, active=False)
    assert problem(other, role="device")


def test_the_chain_hash_changes_with_content_link_and_key():
    content = {"kind": "draw", "amount_ml": 2.0}
    base = ledger.chain_hash(prev_hash=ledger.GENESIS, content=content, key_id="k1", key=b"k" * 32)
    assert base != ledger.chain_hash(
        prev_hash=ledger.GENESIS, content=content | {"amount_ml": 0.2}, key_id="k1", key=b"k" * 32
    )
    assert base != ledger.chain_hash(
        prev_hash="1" * 64, content=content, key_id="k1", key=b"k" * 32
    )
    assert base != ledger.chain_hash(
        prev_hash=ledger.GENESIS, content=content, key_id="k1", key=b"x" * 32
    )
