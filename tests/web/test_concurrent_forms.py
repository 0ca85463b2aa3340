"""The same form sent many times at once, as a double click or a team does: one wins, the rest get the page
again with the reason, never a 500."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select

from reciprocal.audit.models import AuditEvent
from reciprocal.kernel.dates import UK_TIME
from reciprocal.ledger.models import LedgerEntry
from reciprocal.referrals import offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Move, Offer
from reciprocal.referrals.workflow import Action, State
from reciprocal.settings import Settings
from support import visible_text
from support.web import LONDON, csrf_token, page_of, sign_in
from support.world import KEYS, World

TIMES = 10


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests really run at the same time.

    NOTE: Litestar's AsyncTestClient runs each request to its end before the next one starts (it calls
    the app through a blocking portal), so it would only ever show a race lost in sequence.
    """
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://127.0.0.1") as client:
        yield client
    await app.state.db.dispose()


async def at_once(
    client: httpx.AsyncClient, url: str, data: dict[str, str], times: int = TIMES
) -> list[httpx.Response]:
    token = await csrf_token(client, page_of(url))
    return list(
        await asyncio.gather(
            *(client.post(url, data=data, headers={"x-csrftoken": token}, follow_redirects=False) for _ in range(times))
        )
    )


def outcomes(responses: list[httpx.Response], *messages: str) -> Counter[tuple[int, str]]:
    """Each response's status, with whichever of `messages` its page says ('' for a redirect)."""
    found = Counter[tuple[int, str]]()
    for response in responses:
        text = visible_text(response.text) if response.status_code != 303 else ""
        found[(response.status_code, next((m for m in messages if m in text), text[:200]))] += 1
    return found


async def count(world: World, query: Any) -> int:
    async with world.db.tenant_session(world.scheme.id) as session:
        return int(await session.scalar(query) or 0)


async def test_ten_corrections_of_one_entry_at_once_reverse_it_once(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    await world.moved(world.domestic_abuse(), world.islington, world.islington_flat())
    async with world.db.tenant_session(world.scheme.id) as session:
        (entry,) = await session.scalars(select(LedgerEntry).where(LedgerEntry.amount == -1))
    await sign_in(client, world.db, settings, world.coordinator)
    url = f"/s/{LONDON}/ledger/entries/{entry.id}/correct"
    responses = await at_once(client, url, {"reason": "Recorded against the wrong landlord"})
    already = "This entry has already been corrected"
    assert outcomes(responses, already) == {(303, ""): 1, (400, already): TIMES - 1}
    assert await count(world, select(func.count()).where(LedgerEntry.reverses_id.is_not(None))) == 2
    assert (
        await count(world, select(func.sum(LedgerEntry.amount)).where(LedgerEntry.partner_id == entry.partner_id)) == 0
    )
    ledger = visible_text((await client.get(f"/s/{LONDON}/ledger")).text)
    assert "Camden Council 2 bedrooms 1 1 Even" in ledger


async def test_an_approval_sent_twice_at_once_approves_once(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    referral = await world.submitted(world.domestic_abuse())
    referral = await world.run(
        referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version
    )
    await sign_in(client, world.db, settings, world.camden)
    url = f"/s/{LONDON}/named-lead/approvals/{referral.id}"
    responses = await at_once(client, url, {"version": str(referral.version), "decision": "approve"})
    stale = "This referral has changed since you opened it: check it and try again"
    assert outcomes(responses, stale) == {(303, ""): 1, (400, stale): TIMES - 1}
    assert (await world.referral(referral.id)).state == State.approved
    approvals = select(func.count()).where(
        AuditEvent.subject_id == referral.id, AuditEvent.action == "referral.approve"
    )
    assert await count(world, approvals) == 1


async def test_an_offer_sent_ten_times_at_once_is_made_once(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    referral = await world.circulating(world.domestic_abuse())
    await sign_in(client, world.db, settings, world.islington)
    url = f"/s/{LONDON}/named-lead/referrals/{referral.id}/offer"
    form = {
        "area_id": str(world.islington_area),
        "bedrooms": "2",
        "floor": "2",
        "accessibility": "Lift to all floors",
        "available_from-day": "1",
        "available_from-month": "12",
        "available_from-year": "2026",
        "address": "Flat 4, 1 Example Street",
        "version": str(referral.version),
    }
    responses = await at_once(client, url, form)
    offered = "Another property has just been offered to this referral."
    assert outcomes(responses, offered) == {(303, ""): 1, (409, offered): TIMES - 1}
    assert await count(world, select(func.count()).where(Offer.referral_id == referral.id)) == 1
    assert (await world.referral(referral.id)).state == State.offer_made


async def test_a_move_recorded_twice_at_once_posts_the_ledger_once(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    referral = await world.circulating(world.domestic_abuse())
    await world.run(
        offers.make_offer, world.islington, KEYS, referral.id, world.islington_flat(), version=referral.version
    )
    for step in (offers.arrange_viewing, offers.accept):
        referral = await world.referral(referral.id)
        await world.run(step, world.coordinator, referral.id, version=referral.version)
    referral = await world.referral(referral.id)
    await sign_in(client, world.db, settings, world.coordinator)
    today = datetime.now(UK_TIME).date()
    url = f"/s/{LONDON}/coordinator/referrals/{referral.id}/move"
    form = {
        "version": str(referral.version),
        "moved_day": str(today.day),
        "moved_month": str(today.month),
        "moved_year": str(today.year),
        "bedrooms": "2",
    }
    responses = await at_once(client, url, form)
    stale = "This referral has changed since you opened it: check it and try again"
    assert outcomes(responses, stale) == {(303, ""): 1, (409, stale): TIMES - 1}
    assert await count(world, select(func.count()).select_from(Move)) == 1
    assert await count(world, select(func.count()).select_from(LedgerEntry)) == 2


async def test_a_batch_released_twice_at_once_circulates_each_referral_once(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    approved: list[uuid.UUID] = []
    for _ in range(2):
        referral = await world.submitted(world.domestic_abuse())
        referral = await world.run(
            referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version
        )
        await world.run(referrals.act, world.camden, referral.id, Action.approve, version=referral.version)
        approved.append(referral.id)
    await sign_in(client, world.db, settings, world.coordinator)
    responses = await at_once(client, f"/s/{LONDON}/coordinator/batch", {})
    nothing = "There are no approved referrals to release"
    assert outcomes(responses, nothing) == {(303, ""): 1, (400, nothing): TIMES - 1}
    circulated = select(func.count()).where(
        AuditEvent.subject_id.in_(approved), AuditEvent.action == "referral.circulate"
    )
    assert await count(world, circulated) == 2
    for referral_id in approved:
        assert (await world.referral(referral_id)).state == State.circulating
