"""The ledger's pure rules are the specification of its SQL: on the same entries, the pages' figures agree."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from people import scheme
from reciprocal.db.engine import Database
from reciprocal.ledger import rules
from reciprocal.ledger.models import LedgerEntry
from reciprocal.ledger.services import balances, partners_over_cap
from reciprocal.partners.models import Organisation


@pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
async def test_balances_and_the_debt_cap_in_sql_are_the_rules_on_the_same_entries(db: Database, slug: str) -> None:
    found = await scheme(db, slug)
    chance = random.Random(f"ledger-{slug}")
    async with db.tenant_session(found.id) as session:
        partners = [
            o.id
            for o in await session.scalars(select(Organisation).where(Organisation.tenant_id == found.id))
            if o.kind.is_housing_partner
        ]
        entries: list[rules.Entry] = []
        for n in range(300):
            receiving, sending = chance.sample(partners, 2)
            move = rules.entries_for_move(
                receiving=receiving, sending=sending, bedrooms=chance.randint(0, 4), like_for_like=n % 2 == 0
            )
            # Some moves are corrected: a reversal cancels both entries, as the coordinator's correction does.
            posted = [*move, *rules.reversal(move)] if n % 7 == 0 else list(move)
            entries.extend(posted)
        session.add_all(
            LedgerEntry(tenant_id=found.id, partner_id=e.partner_id, bedrooms=e.bedrooms, amount=e.amount)
            for e in entries
        )
        await session.flush()

        by_sql = {(b.partner_id, b.bedrooms): b.net for b in await balances(session, found.id) if b.net}
        assert by_sql == rules.balances(entries)
        one = partners[0]
        assert {(b.partner_id, b.bedrooms): b.net for b in await balances(session, found.id, one) if b.net} == {
            key: net for key, net in rules.balances(entries).items() if key[0] == one
        }
        for cap in (0, 1, 2, 5, 1000):
            assert await partners_over_cap(session, found.id, cap) == rules.over_cap(entries, cap), cap
        # Not vacuous: some partner owes more than one property, and some is owed.
        totals = rules.partner_balances(entries)
        assert min(totals.values()) < -1
        assert max(totals.values()) > 0
