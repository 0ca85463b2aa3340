"""Linking professionals: contacts and the address are revealed to the right people, and only then."""

from __future__ import annotations

from reciprocal.referrals import offers
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, act_as
from support.world import KEYS, World


async def test_the_address_and_contacts_are_shared_only_once_a_viewing_is_arranged(
    client: Client, world: World, settings: Settings
) -> None:
    referral = await world.circulating(world.domestic_abuse())
    await world.run(
        offers.make_offer, world.islington, KEYS, referral.id, world.islington_flat(), version=referral.version
    )
    officer_page = f"/s/pan-london/referrals/{referral.id}"
    lead_page = f"/s/pan-london/named-lead/referrals/{referral.id}"

    await act_as(client, world.db, settings, world.officer)
    before = visible_text((await client.get(officer_page)).text)
    assert "2 bedrooms" in before or "Bedrooms 2" in before
    assert "Flat 4, 1 Example Street" not in before
    assert "Shared with you when a viewing is arranged" in before
    assert world.islington.email not in before

    await act_as(client, world.db, settings, world.islington)
    assert world.officer.email not in (await client.get(lead_page)).text

    referral = await world.referral(referral.id)
    await world.run(offers.arrange_viewing, world.coordinator, referral.id, version=referral.version)

    await act_as(client, world.db, settings, world.officer)
    after = visible_text((await client.get(officer_page)).text)
    assert "Flat 4, 1 Example Street" in after
    assert world.islington.email in after

    await act_as(client, world.db, settings, world.islington)
    lead = (await client.get(lead_page)).text
    assert world.officer.email in lead

    # Nobody else: the coordinator's page never shows the address.
    await act_as(client, world.db, settings, world.coordinator)
    coordinator = (await client.get(f"/s/pan-london/coordinator/referrals/{referral.id}")).text
    assert "Flat 4, 1 Example Street" not in coordinator
