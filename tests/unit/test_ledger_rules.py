"""The ledger's rules: moves and corrections in any order keep every scheme's balances summing to zero."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reciprocal.ledger.rules import ALL_SIZES, Entry, balances, entries_for_move, over_cap, partner_balances, reversal

PARTNERS = [uuid.UUID(int=i) for i in range(1, 7)]

move = st.tuples(st.sampled_from(PARTNERS), st.sampled_from(PARTNERS), st.integers(0, 5)).filter(lambda m: m[0] != m[1])


@st.composite
def histories(draw: st.DrawFn) -> tuple[bool, list[Entry], list[list[Entry]]]:
    """A scheme's postings: moves, some of them later corrected by reversing entries."""
    like_for_like = draw(st.booleans())
    postings: list[list[Entry]] = []
    for receiving, sending, bedrooms in draw(st.lists(move, max_size=40)):
        postings.append(
            list(entries_for_move(receiving=receiving, sending=sending, bedrooms=bedrooms, like_for_like=like_for_like))
        )
        if postings and draw(st.booleans()) and draw(st.booleans()):
            postings.append(reversal(draw(st.sampled_from(postings))))
    journal = [entry for posting in postings for entry in posting]
    return like_for_like, journal, postings


@given(histories())
def test_balances_always_sum_to_zero(history: tuple[bool, list[Entry], list[list[Entry]]]) -> None:
    _, journal, _ = history
    assert sum(balances(journal).values()) == 0
    assert sum(partner_balances(journal).values()) == 0


@given(histories())
def test_a_correction_cancels_exactly_what_it_reverses(history: tuple[bool, list[Entry], list[list[Entry]]]) -> None:
    _, journal, _ = history
    assert balances(journal + reversal(journal)) == {}


@given(histories())
def test_like_for_like_keeps_bedroom_classes_apart(history: tuple[bool, list[Entry], list[list[Entry]]]) -> None:
    like_for_like, journal, _ = history
    classes = {bedrooms for _, bedrooms in balances(journal)}
    if like_for_like:
        assert ALL_SIZES not in classes
    else:
        assert classes <= {ALL_SIZES}


def test_a_move_credits_the_receiver_and_debits_the_sender() -> None:
    camden, islington = PARTNERS[:2]
    credit, debit = entries_for_move(receiving=islington, sending=camden, bedrooms=2, like_for_like=True)
    assert credit == Entry(islington, 2, +1)
    assert debit == Entry(camden, 2, -1)
    assert balances([credit, debit]) == {(islington, 2): 1, (camden, 2): -1}


def test_the_debt_cap_names_partners_owing_more_than_it() -> None:
    camden, islington, brent = PARTNERS[:3]
    journal = [
        *entries_for_move(receiving=islington, sending=camden, bedrooms=1, like_for_like=False),
        *entries_for_move(receiving=brent, sending=camden, bedrooms=1, like_for_like=False),
        *entries_for_move(receiving=brent, sending=camden, bedrooms=1, like_for_like=False),
    ]
    assert over_cap(journal, debt_cap=2) == {camden}
    assert over_cap(journal, debt_cap=3) == set()
    reciprocated = [*journal, *entries_for_move(receiving=camden, sending=brent, bedrooms=1, like_for_like=False)]
    assert over_cap(reciprocated, debt_cap=2) == set()


def test_negative_bedrooms_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        entries_for_move(receiving=PARTNERS[0], sending=PARTNERS[1], bedrooms=-1, like_for_like=True)
