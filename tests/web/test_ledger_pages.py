"""The ledger's pages through HTTP: balances after a move, statements, corrections, and who may see what."""

from __future__ import annotations

import re
import uuid
from datetime import date

from sqlalchemy import func, select

from people import actor as make_actor
from people import organisation_id
from reciprocal.identity.models import Role
from reciprocal.ledger.models import LedgerEntry
from reciprocal.referrals.models import Referral
from reciprocal.settings import Settings
from support import visible_text
from support.web import LONDON, Client, act_as, post
from support.world import World

LEDGER = f"/s/{LONDON}/ledger"


async def moved(world: World) -> Referral:
    """A Camden tenant housed by Islington in a 2-bedroom flat: Islington is owed one, Camden owes one."""
    return await world.moved(
        world.domestic_abuse(), world.islington, world.islington_flat(), moved_on=date(2026, 11, 2)
    )


async def entries(world: World, partner: uuid.UUID | None = None) -> list[LedgerEntry]:
    async with world.db.tenant_session(world.scheme.id) as session:
        query = select(LedgerEntry).order_by(LedgerEntry.created_at)
        if partner is not None:
            query = query.where(LedgerEntry.partner_id == partner)
        return list(await session.scalars(query))


async def test_an_empty_ledger_says_what_will_appear(client: Client, world: World, settings: Settings) -> None:
    await act_as(client, world.db, settings, world.coordinator)
    text = visible_text((await client.get(LEDGER)).text)
    assert "No moves yet" in text
    assert "When the coordinator records a move" in text


async def test_the_coordinator_sees_every_partners_balance_after_a_move(
    client: Client, world: World, settings: Settings
) -> None:
    referral = await moved(world)
    await act_as(client, world.db, settings, world.coordinator)
    page = await client.get(LEDGER)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Balances of 2 partners, by bedroom class" in text
    assert "Camden Council 2 bedrooms 0 1 Owes 1" in text
    assert "Islington Council 2 bedrooms 1 0 Owed 1" in text
    assert "do not add up to zero" not in text

    statement = await client.get(f"{LEDGER}/partners/{world.camden_council}")
    assert statement.status_code == 200
    text = visible_text(statement.text)
    assert f"{referral.reference}: from Camden Council to Islington Council, moved 2 November 2026" in text
    assert "2 bedrooms −1 owing" in text
    (entry,) = await entries(world, world.camden_council)
    assert f'href="{LEDGER}/entries/{entry.id}/correct"' in statement.text


async def test_a_correction_needs_a_reason_and_reverses_the_entry(
    client: Client, world: World, settings: Settings
) -> None:
    await moved(world)
    await act_as(client, world.db, settings, world.coordinator)
    (entry,) = await entries(world, world.camden_council)
    url = f"{LEDGER}/entries/{entry.id}/correct"
    form = await client.get(url)
    assert form.status_code == 200
    assert "correcting one corrects both" in visible_text(form.text)

    for reason, message in (
        ("   ", "Enter why the entry is wrong"),
        ("Recorded for 07700 900123", "Remove a phone number"),
        ("a" * 20_000, "Keep the reason to 2000 characters or fewer"),
    ):
        refused = await post(client, url, {"reason": reason})
        assert refused.status_code == 400
        assert message in visible_text(refused.text)
        assert 'href="#reason"' in refused.text
    assert len(await entries(world)) == 2

    done = await post(client, url, {"reason": "Recorded against the wrong landlord"})
    assert done.status_code == 303
    assert done.headers["location"] == f"{LEDGER}/partners/{world.camden_council}?done=corrected"
    original, reversing = await entries(world, world.camden_council)
    assert (original.id, original.amount) == (entry.id, -1)  # the original stays as it was
    assert (reversing.reverses_id, reversing.amount, reversing.reason) == (
        entry.id,
        +1,
        "Recorded against the wrong landlord",
    )
    assert reversing.recorded_by == world.coordinator.user_id
    statement = visible_text((await client.get(done.headers["location"])).text)
    assert "Correction recorded" in statement
    assert "Corrected" in statement
    assert "+1 owed Correction Recorded against the wrong landlord" in statement
    assert "2 bedrooms 1 1 Even" in statement

    # The move's other entry is reversed with it: Islington is no longer owed, and the scheme balances.
    islington = await organisation_id(world.db, world.scheme.id, "islington-council")
    islington_original, islington_reversing = await entries(world, islington)
    assert (islington_reversing.reverses_id, islington_reversing.amount) == (islington_original.id, -1)
    assert sum(e.amount for e in await entries(world)) == 0
    again = await post(client, url, {"reason": "Twice"})
    assert again.status_code == 400
    assert "This entry has already been corrected" in visible_text(again.text)
    assert len(await entries(world)) == 4


async def test_a_named_lead_sees_only_their_own_account(client: Client, world: World, settings: Settings) -> None:
    await moved(world)
    await act_as(client, world.db, settings, world.islington)
    page = await client.get(LEDGER)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Your organisation's balance" in text
    assert "Owed: the scheme's pot owes you a property for each tenant you housed" in text
    assert "Islington Council 2 bedrooms 1 0 Owed 1" in text
    assert "Camden Council" not in text

    own = await client.get(f"{LEDGER}/partners/{world.islington.organisation_id}")
    assert own.status_code == 200
    assert "+1 owed" in visible_text(own.text)
    assert "/correct" not in own.text  # corrections are the coordinator's
    other = await client.get(f"{LEDGER}/partners/{world.camden_council}")
    assert other.status_code == 404
    assert "Camden Council" not in other.text

    (entry,) = await entries(world, world.islington.organisation_id)
    url = f"{LEDGER}/entries/{entry.id}/correct"
    assert (await client.get(url)).status_code == 403
    assert (await post(client, url, {"reason": "Not ours"})).status_code == 403
    assert len(await entries(world)) == 2

    # A named lead with no moves yet sees their empty account, and what will fill it.
    await act_as(client, world.db, settings, world.brent)
    text = visible_text((await client.get(LEDGER)).text)
    assert "No moves yet" in text
    assert "Islington Council" not in text


async def test_other_roles_are_refused(client: Client, world: World, settings: Settings) -> None:
    await moved(world)
    (entry,) = await entries(world, world.camden_council)
    admin = await make_actor(world.db, LONDON, "coordinator", Role.scheme_admin)
    for person in (world.officer, world.assessor, admin):
        await act_as(client, world.db, settings, person)
        for path in ("", f"/partners/{world.camden_council}", f"/entries/{entry.id}/correct"):
            assert (await client.get(f"{LEDGER}{path}")).status_code == 403, (person.role, path)
        assert (await post(client, f"{LEDGER}/entries/{entry.id}/correct", {"reason": "x"})).status_code == 403


async def test_another_schemes_partners_and_entries_are_not_found(
    client: Client, world: World, settings: Settings
) -> None:
    await moved(world)
    (entry,) = await entries(world, world.camden_council)
    county = await make_actor(world.db, "cambridgeshire", "coordinator", Role.coordinator)
    await act_as(client, world.db, settings, county, "cambridgeshire")
    elsewhere = "/s/cambridgeshire/ledger"
    ledger = await client.get(elsewhere)
    assert ledger.status_code == 200
    assert "Camden" not in ledger.text
    assert (await client.get(f"{elsewhere}/partners/{world.camden_council}")).status_code == 404
    assert (await client.get(f"{elsewhere}/entries/{entry.id}/correct")).status_code == 404
    stolen = await post(client, f"{elsewhere}/entries/{entry.id}/correct", {"reason": "Taken"})
    assert stolen.status_code == 404
    async with world.db.tenant_session(world.scheme.id) as session:
        assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 2

    # Within a scheme, an organisation that keeps no ledger (an agency) has no statement either.
    await act_as(client, world.db, settings, world.coordinator)
    agency = await organisation_id(world.db, world.scheme.id, "safe-steps-london")
    assert (await client.get(f"{LEDGER}/partners/{agency}")).status_code == 404
    assert (await client.get(f"{LEDGER}/partners/{uuid.uuid4()}")).status_code == 404
    assert re.search(r"Camden Council", (await client.get(LEDGER)).text)
