"""Check-then-write races: many requests at once, each in its own transaction; one wins, the rest are refused."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from people import organisation_id
from reciprocal.db.engine import Database
from reciprocal.ledger import services as ledger
from reciprocal.ledger.models import LedgerEntry
from reciprocal.ledger.services import balances, correct
from reciprocal.referrals import offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Referral
from reciprocal.referrals.workflow import Action, State
from support.world import KEYS, World

TIMES = 10


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


# Holds: a referral is put on hold at submission when its landlord owes the pot more than the cap, and
# released by the move that brings the landlord back under it. Each test keeps one transaction open
# while the other starts, so the interleaving that lost a release is the one that runs.


async def blocked_or_done(db: Database, task: asyncio.Task[Any]) -> None:
    """Wait until `task` waits for a lock another transaction holds, or has finished without waiting."""
    for _ in range(300):
        if task.done():
            return
        async with db.session() as session:
            waiting = await session.scalar(
                text(
                    "select count(*) from pg_stat_activity"
                    " where datname = current_database() and wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the second transaction neither waited nor finished")


async def camden_owing(world: World, properties: int) -> None:
    """Camden's tenants housed by Islington `properties` times: Camden owes the pot that many. All are
    submitted before the first moves, so none is held on the way."""
    circulating = [await world.circulating(world.domestic_abuse()) for _ in range(properties)]
    for referral in circulating:
        await world.run(
            offers.make_offer, world.islington, KEYS, referral.id, world.islington_flat(), version=referral.version
        )
        for step in (offers.arrange_viewing, offers.accept):
            referral = await world.referral(referral.id)
            await world.run(step, world.coordinator, referral.id, version=referral.version)
        await world.run(recording_move(world, await world.referral(referral.id)))


async def moving_to_camden(world: World) -> Referral:
    """An Islington tenant who has accepted Camden's offer: recording the move makes Camden owe one less."""
    answers = replace(
        world.domestic_abuse(),
        current_landlord_id=await organisation_id(world.db, world.scheme.id, "islington-council"),
        current_area_id=world.islington_area,
        risk_area_ids=frozenset({world.islington_area}),
        safe_area_ids=frozenset({world.camden_area, world.brent_area, world.hackney, world.lewisham, world.southwark}),
    )
    referral = await world.circulating(answers, approver=world.islington)
    camden_flat = replace(world.islington_flat(), area_id=world.camden_area)
    await world.run(offers.make_offer, world.camden, KEYS, referral.id, camden_flat, version=referral.version)
    for step in (offers.arrange_viewing, offers.accept):
        referral = await world.referral(referral.id)
        await world.run(step, world.coordinator, referral.id, version=referral.version)
    return await world.referral(referral.id)


async def camden_draft(world: World) -> Referral:
    draft = await world.run(referrals.start_referral, world.officer)
    return await world.run(referrals.save_draft, world.officer, draft.id, world.domestic_abuse(), version=draft.version)


Work = Callable[[AsyncSession], Awaitable[object]]


def recording_move(world: World, referral: Referral) -> Work:
    async def work(session: AsyncSession) -> object:
        return await offers.record_move(
            session, world.coordinator, referral.id, moved_on=date(2026, 12, 1), bedrooms=2, version=referral.version
        )

    return work


def submitting(world: World, draft: Referral) -> Work:
    async def work(session: AsyncSession) -> object:
        return await referrals.submit(session, world.officer, world.scheme, draft.id, version=draft.version)

    return work


async def first_then(world: World, first: Work, then: Work) -> None:
    """`first` in a transaction kept open until `then`, in its own, waits for it (or finishes without)."""
    async with world.db.tenant_session(world.scheme.id) as session, session.begin():
        await first(session)
        second = asyncio.create_task(world.run(then))
        await blocked_or_done(world.db, second)
    await second


async def test_a_hold_made_while_the_landlord_reciprocates_is_released_by_that_move(world: World) -> None:
    await camden_owing(world, 4)  # the cap is 3
    reciprocating = await moving_to_camden(world)
    draft = await camden_draft(world)
    await first_then(world, submitting(world, draft), recording_move(world, reciprocating))
    assert (await world.referral(draft.id)).state == State.submitted  # put on hold, then released


async def test_a_submission_while_the_landlord_reciprocates_reads_the_new_balance(world: World) -> None:
    await camden_owing(world, 4)
    reciprocating = await moving_to_camden(world)
    draft = await camden_draft(world)
    await first_then(world, recording_move(world, reciprocating), submitting(world, draft))
    assert (await world.referral(draft.id)).state == State.submitted  # never held


async def test_two_moves_at_once_that_together_bring_the_landlord_under_the_cap_release_its_holds(
    world: World,
) -> None:
    await camden_owing(world, 5)
    held = await world.submitted(world.domestic_abuse())
    assert held.state == State.on_hold
    one, other = await moving_to_camden(world), await moving_to_camden(world)
    await first_then(world, recording_move(world, one), recording_move(world, other))
    assert (await world.referral(held.id)).state == State.submitted


# Referrals: every change locks the referral and checks the version the form was drawn from.


async def test_a_referral_read_before_it_is_locked_is_checked_as_it_is_once_locked(world: World) -> None:
    referral = await world.submitted(world.domestic_abuse())
    referral = await world.run(
        referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version
    )
    async with world.db.tenant_session(world.scheme.id) as session, session.begin():
        shown = await referrals.get_referral(session, world.camden, referral.id, for_update=False)
        await world.run(referrals.act, world.camden, referral.id, Action.approve, version=referral.version)
        with pytest.raises(referrals.StaleReferral):
            await referrals.act(session, world.camden, referral.id, Action.decline, version=shown.version, note="No")
        assert shown.state == State.approved


async def test_two_batches_released_at_once_circulate_each_referral_once(world: World) -> None:
    approved = []
    for _ in range(3):
        referral = await world.submitted(world.domestic_abuse())
        referral = await world.run(
            referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version
        )
        approved.append(
            await world.run(referrals.act, world.camden, referral.id, Action.approve, version=referral.version)
        )
    batches = await asyncio.gather(*(world.run(referrals.circulate_batch, world.coordinator) for _ in range(TIMES)))
    assert sorted(len(batch) for batch in batches) == [0] * (TIMES - 1) + [3]
    for referral in approved:
        assert (await world.referral(referral.id)).state == State.circulating


async def test_a_move_recorded_twice_at_once_is_recorded_once(world: World) -> None:
    referral = await moving_to_camden(world)

    async def recorded() -> str:
        try:
            await world.run(recording_move(world, referral))
        except referrals.StaleReferral:
            return "stale"
        return "moved"

    assert Counter(await asyncio.gather(*(recorded() for _ in range(TIMES)))) == {"moved": 1, "stale": TIMES - 1}
    async with world.db.tenant_session(world.scheme.id) as session:
        assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 2
