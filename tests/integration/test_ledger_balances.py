"""The balances the database keeps beside the ledger's entries: always a full recomputation of them, in each
scheme, never lost to a race, invisible to another scheme and written by nobody but the entries' trigger."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections import Counter
from datetime import UTC, datetime

import asyncpg
import pytest
from alembic import command
from sqlalchemy import Connection, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from reciprocal.db.engine import Database
from reciprocal.db.migrate import alembic_config, migrate
from reciprocal.db.rls import APP_ROLE
from reciprocal.kernel import clock
from reciprocal.ledger import rules
from reciprocal.ledger.models import LedgerBalance, LedgerEntry
from reciprocal.ledger.services import CorrectionRefused, balances, correct, partners_over_cap
from reciprocal.partners.models import Organisation
from reciprocal.statements.services import Month, figures_by_partner, this_month
from support import DatabaseUnderTest
from support.world import County, World

WAITING_FOR_A_LOCK = text(
    "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()"
)

Kept = dict[tuple[uuid.UUID, int | None], tuple[int, int]]


async def kept(session: AsyncSession) -> Kept:
    """The table as it stands: (partner, bedrooms) -> (owed, owing)."""
    rows = await session.execute(
        select(LedgerBalance.partner_id, LedgerBalance.bedrooms, LedgerBalance.owed, LedgerBalance.owing)
    )
    return {(partner, bedrooms): (owed, owing) for partner, bedrooms, owed, owing in rows}


async def recomputed(session: AsyncSession) -> Kept:
    """The same figures from every entry, counted in Python: what the table must always equal."""
    owed: Counter[tuple[uuid.UUID, int | None]] = Counter()
    owing: Counter[tuple[uuid.UUID, int | None]] = Counter()
    for partner, bedrooms, amount in await session.execute(
        select(LedgerEntry.partner_id, LedgerEntry.bedrooms, LedgerEntry.amount)
    ):
        owed[(partner, bedrooms)] += amount > 0
        owing[(partner, bedrooms)] += amount < 0
    return {key: (owed[key], owing[key]) for key in owed | owing}


async def housing_partners(session: AsyncSession) -> list[uuid.UUID]:
    return sorted(o.id for o in await session.scalars(select(Organisation)) if o.kind.is_housing_partner)


async def post_and_correct(world: World, seed: str) -> None:
    """A scheme's history: a move through the whole journey, then hundreds of postings in one bulk statement
    (as the benchmark's seeder writes them) and in single ones, then the coordinator's corrections."""
    await world.moved(world.domestic_abuse(), world.partner, world.home())
    chance = random.Random(seed)
    async with world.db.tenant_session(world.scheme.id) as session, session.begin():
        partners = await housing_partners(session)
        bulk = []
        for n in range(200):
            receiving, sending = chance.sample(partners, 2)
            bulk += rules.entries_for_move(
                receiving=receiving, sending=sending, bedrooms=chance.randint(0, 4), like_for_like=n % 3 != 0
            )
        await session.execute(
            insert(LedgerEntry),
            [
                {"tenant_id": world.scheme.id, "partner_id": e.partner_id, "bedrooms": e.bedrooms, "amount": e.amount}
                for e in bulk
            ],
        )
        for _ in range(20):
            receiving, sending = chance.sample(partners, 2)
            for e in rules.entries_for_move(receiving=receiving, sending=sending, bedrooms=1, like_for_like=False):
                session.add(
                    LedgerEntry(
                        tenant_id=world.scheme.id, partner_id=e.partner_id, bedrooms=e.bedrooms, amount=e.amount
                    )
                )
                await session.flush()
    async with world.db.tenant_session(world.scheme.id) as session:
        ids = list(await session.scalars(select(LedgerEntry.id).order_by(LedgerEntry.id)))
        (moved,) = await session.scalars(select(LedgerEntry.id).where(LedgerEntry.move_id.is_not(None)).limit(1))
    # The move's entry reverses both of its entries; the others one each. Each correction is its own request.
    for entry_id in [moved, *chance.sample([i for i in ids if i != moved], 15)]:
        with contextlib.suppress(CorrectionRefused):  # the other half of the move, already reversed with it
            await world.run(correct, world.coordinator, entry_id, reason="Recorded against the wrong landlord")


async def test_the_kept_balances_are_a_full_recomputation_after_moves_and_corrections_in_two_schemes(
    db: Database,
) -> None:
    london, county = await World(db).build(), await County(db).build()
    for world in (london, county):
        await post_and_correct(world, world.scheme.slug)
    for world in (london, county):
        async with db.tenant_session(world.scheme.id) as session:
            table, full = await kept(session), await recomputed(session)
            assert table == full, world.scheme.slug
            entries = [
                rules.Entry(*row)
                for row in await session.execute(
                    select(LedgerEntry.partner_id, LedgerEntry.bedrooms, LedgerEntry.amount)
                )
            ]
            reversals = await session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id.is_not(None)))
            # The services read the table, and give what the pure rules give over all the entries.
            shown = await balances(session, world.scheme.id)
            assert {(b.partner_id, b.bedrooms): b.net for b in shown if b.net} == rules.balances(entries)
            assert {(b.partner_id, b.bedrooms): (b.owed, b.owing) for b in shown} == full
            for cap in (0, 1, 3, 1000):
                assert await partners_over_cap(session, world.scheme.id, cap) == rules.over_cap(entries, cap)
        # Not vacuous: corrections were made, and there is debt on the books.
        assert reversals is not None
        assert min(rules.partner_balances(entries).values()) < -1


async def test_another_schemes_balances_are_invisible_and_nobody_writes_them_directly(db: Database) -> None:
    london, county = await World(db).build(), await County(db).build()
    await london.moved(london.domestic_abuse(), london.partner, london.home())
    async with db.tenant_session(county.scheme.id) as session:
        assert await kept(session) == {}
        assert await balances(session, london.scheme.id) == []
        assert await partners_over_cap(session, london.scheme.id, -5) == set()
    async with db.tenant_session(london.scheme.id) as session:
        assert len(await kept(session)) == 2  # Islington owed one, Camden owing one
    async with db.tenant_session(london.scheme.id) as session:
        with pytest.raises(DBAPIError, match="permission denied"):
            async with session.begin():
                await session.execute(update(LedgerBalance).values(owed=LedgerBalance.owed + 1))


async def test_two_moves_posting_to_one_partner_at_once_both_count(db: Database, world: World) -> None:
    """Both transactions add to a balance row neither has seen yet: the second waits for the first and adds to
    what it wrote, so neither update is lost."""
    tenant, partner = world.scheme.id, world.camden_council

    async def post(session: AsyncSession) -> None:
        session.add(LedgerEntry(tenant_id=tenant, partner_id=partner, bedrooms=6, amount=-1))
        await session.flush()

    first, second = db.tenant_session(tenant), db.tenant_session(tenant)
    async with first, second:
        await first.begin()
        await post(first)
        await second.begin()
        waiting = asyncio.create_task(post(second))
        async with db.tenant_session(tenant) as watcher:
            for _ in range(100):
                if await watcher.scalar(WAITING_FOR_A_LOCK):
                    break
                await asyncio.sleep(0.02)
            else:
                pytest.fail("the second posting never waited for the first")
        assert not waiting.done()
        await first.commit()
        await waiting
        await second.commit()
    async with db.tenant_session(tenant) as session:
        assert (await kept(session))[(partner, 6)] == (0, 2)
        assert await kept(session) == await recomputed(session)


def _downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def test_the_migration_fills_the_balances_from_the_entries_already_there(
    db: Database, database: DatabaseUnderTest, owner_connection: asyncpg.Connection
) -> None:
    london, county = await World(db).build(), await County(db).build()
    for world in (london, county):
        await world.moved(world.domestic_abuse(), world.partner, world.home())
    engine = create_async_engine(database.owner.set(drivername="postgresql+asyncpg"))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade, "0013")
    finally:
        await engine.dispose()
    assert await owner_connection.fetchval("select to_regclass('ledger_balances')") is None
    await migrate(database.owner)
    await db.dispose()  # the pool's prepared statements name the table the downgrade dropped
    for world in (london, county):
        async with db.tenant_session(world.scheme.id) as session:
            table = await kept(session)
            assert len(table) == 2
            assert table == await recomputed(session)
    allowed = {
        privilege: await owner_connection.fetchval(
            "select has_table_privilege($1, 'ledger_balances', $2)", APP_ROLE, privilege
        )
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE")
    }
    assert allowed == {"SELECT": True, "INSERT": False, "UPDATE": False, "DELETE": False}


async def test_a_months_statement_balances_are_the_entries_recorded_before_it_ended(each_world: World) -> None:
    """The statement's balance at a month's end is the kept balance less the entries since: the same figures as
    counting every entry recorded before then, for each month, in each scheme."""
    world, tenant = each_world, each_world.scheme.id
    chance = random.Random(world.scheme.slug)
    recorded = [datetime(2026, month, day, 9, tzinfo=UTC) for month in (9, 10, 11) for day in (1, 15, 30)]
    async with world.db.tenant_session(tenant) as session, session.begin():
        partners = await housing_partners(session)
        rows = []
        for when in [*recorded, None]:  # None: now, in the month under way
            for _ in range(10):
                receiving, sending = chance.sample(partners, 2)
                for e in rules.entries_for_move(
                    receiving=receiving, sending=sending, bedrooms=chance.randint(1, 3), like_for_like=True
                ):
                    row = {"tenant_id": tenant, "partner_id": e.partner_id, "bedrooms": e.bedrooms, "amount": e.amount}
                    rows.append(row | ({"created_at": when} if when else {}))
        await session.execute(insert(LedgerEntry), rows)
    async with world.db.tenant_session(tenant) as session:
        entries = list(
            await session.execute(
                select(LedgerEntry.partner_id, LedgerEntry.bedrooms, LedgerEntry.amount, LedgerEntry.created_at)
            )
        )
        months = (Month(2026, 8), Month(2026, 9), Month(2026, 10), Month(2026, 11), this_month())
        for month, counted in zip(months, (0, 60, 120, 180, 200), strict=True):
            moment = min(month.end, clock.now())
            found = await figures_by_partner(session, tenant, partners, month)
            assert sum(b.owed + b.owing for f in found.values() for b in f.balances) == counted, month
            for partner in partners:
                mine = [e for e in entries if e.partner_id == partner and e.created_at < moment]
                expected = tuple(
                    (bedrooms, sum(e.amount > 0 for e in same), sum(e.amount < 0 for e in same))
                    for bedrooms in sorted({e.bedrooms for e in mine})
                    for same in [[e for e in mine if e.bedrooms == bedrooms]]
                )
                assert tuple((b.bedrooms, b.owed, b.owing) for b in found[partner].balances) == expected, month
