"""The ledger's rules as pure functions: entries for a move, reversals, balances and the debt cap.

When an applicant moves, the landlord who receives them is owed a property (+1) and the landlord whose
tenant left owes one (-1), in the bedroom class of the move when the scheme counts like for like. So a
scheme's balances always sum to zero. Entries are never changed: a correction is a reversing entry.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

ALL_SIZES: int | None = None
"""The bedroom class of entries in a scheme that does not count like for like."""


@dataclass(frozen=True)
class Entry:
    partner_id: uuid.UUID
    bedrooms: int | None
    """The bedroom class, or ALL_SIZES when the scheme does not count like for like."""
    amount: int
    """+1: the partner is owed a property by the pot; -1: it owes one to the pot."""


def entries_for_move(
    *, receiving: uuid.UUID, sending: uuid.UUID, bedrooms: int, like_for_like: bool
) -> tuple[Entry, Entry]:
    """The two entries a completed move posts: credit the receiving landlord, debit the sending one."""
    if bedrooms < 0:
        raise ValueError("bedrooms cannot be negative")
    size = bedrooms if like_for_like else ALL_SIZES
    return Entry(receiving, size, +1), Entry(sending, size, -1)


def reversal(entries: Iterable[Entry]) -> list[Entry]:
    """Entries that cancel `entries` exactly: how a mistaken posting is corrected."""
    return [Entry(e.partner_id, e.bedrooms, -e.amount) for e in entries]


def balances(entries: Iterable[Entry]) -> dict[tuple[uuid.UUID, int | None], int]:
    """Net balance per partner and bedroom class (positive: owed; negative: owing). Zeros omitted."""
    totals: Counter[tuple[uuid.UUID, int | None]] = Counter()
    for entry in entries:
        totals[(entry.partner_id, entry.bedrooms)] += entry.amount
    return {key: value for key, value in totals.items() if value != 0}


def partner_balances(entries: Iterable[Entry]) -> dict[uuid.UUID, int]:
    """Net balance per partner across bedroom classes."""
    totals: Counter[uuid.UUID] = Counter()
    for entry in entries:
        totals[entry.partner_id] += entry.amount
    return {key: value for key, value in totals.items() if value != 0}


def over_cap(entries: Iterable[Entry], debt_cap: int) -> set[uuid.UUID]:
    """Partners owing more properties than the scheme's cap: their tenants' new referrals wait."""
    return {partner for partner, balance in partner_balances(entries).items() if -balance > debt_cap}
