"""Check-then-write races: many requests at once, each in its own transaction; one wins, the rest are refused."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from integration.test_referral_journeys import World
from reciprocal.db.engine import Database
from reciprocal.ledger import services as ledger
from reciprocal.ledger.models import LedgerEntry
from reciprocal.ledger.services import balances, correct

TIMES = 10


@pytest.fixture
async def world(db: Database) -> World:
    return await World(db).build()


async def camden_entry(world: World) -> LedgerEntry:
    """A Camden tenant housed by Islington: Camden's -1, one of the move's two entries."""
    await world.moved(world.domestic_abuse(), world.islington, world.islington_flat())
    async with world.db.tenant_session(world.scheme.id) as session:
        (entry,) = await session.scalars(select(LedgerEntry).where(LedgerEntry.amount == -1))
    return entry


async def corrections_at_once(world: World, entry_id: uuid.UUID) -> Counter[str]:
    async def correction() -> str:
        try:
            await world.run(correct, world.coordinator, entry_id, reason="Recorded against the wrong move")
        except ValueError as refused:
            return str(refused)
        return "corrected"

    return Counter(await asyncio.gather(*(correction() for _ in range(TIMES))))


async def assert_reversed_once(world: World) -> None:
    async with world.db.tenant_session(world.scheme.id) as session:
        reversing = await session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.reverses_id.is_not(None))
        )
        sheet = {b.partner_name: b.net for b in await balances(session, world.scheme.id)}
    assert reversing == 2  # the move's two entries, once each
    assert sheet == {"Camden Council": 0, "Islington Council": 0}


async def test_ten_corrections_of_one_entry_at_once_write_one_reversal(world: World) -> None:
    entry = await camden_entry(world)
    assert await corrections_at_once(world, entry.id) == {
        "corrected": 1,
        "This entry has already been corrected": TIMES - 1,
    }
    await assert_reversed_once(world)


async def test_without_the_lock_the_database_still_refuses_a_second_reversal(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def forgotten(*_: object, **__: object) -> None:
        return None

    monkeypatch.setattr(ledger, "lock_accounts", forgotten)
    entry = await camden_entry(world)
    assert await corrections_at_once(world, entry.id) == {
        "corrected": 1,
        "This entry has already been corrected": TIMES - 1,
    }
    await assert_reversed_once(world)

    async def reverse_again(session: AsyncSession) -> None:
        session.add(
            LedgerEntry(
                tenant_id=entry.tenant_id, partner_id=entry.partner_id, amount=1, reverses_id=entry.id, reason="x"
            )
        )
        await session.flush()

    with pytest.raises(IntegrityError, match="uq_ledger_entries_one_reversal"):
        await world.run(reverse_again)
