"""A named lead's history: their organisation's approvals and offers and what became of each, paged by cursor,
nothing identifying, and nobody else's (two schemes)."""

from __future__ import annotations

import re

import pytest

from reciprocal.db.engine import Database
from reciprocal.portals.named_lead import history
from reciprocal.referrals import offers
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, sign_in
from support.world import County, Desk, World, assert_anonymised


def _path(world: World) -> str:
    return f"/s/{world.scheme.slug}/named-lead/history"


async def test_approvals_given_and_offers_made_with_what_became_of_each(
    client: Client, db: Database, settings: Settings, each_world: World
) -> None:
    world = each_world
    refused = await world.offered(world.domestic_abuse())
    await world.run(offers.refuse, world.coordinator, refused.id, reason="unmet_need", version=refused.version)
    open_offer = await world.offered(world.domestic_abuse())
    moved = await world.moved(world.domestic_abuse(), world.partner, world.home())

    await sign_in(client, db, settings, world.partner, world.scheme.slug)
    home = await client.get(f"/s/{world.scheme.slug}/named-lead/")
    assert f'href="{_path(world)}"' in home.text
    page = await client.get(_path(world))
    assert page.status_code == 200
    text = visible_text(page.text)
    assert f"{moved.reference} Offered a" in text
    assert "The applicant moved in" in text
    assert "Refused: A physical, medical or wellbeing need the property cannot meet" in text
    assert "Open: the coordinator will arrange a viewing" in text
    assert str(open_offer.reference) in text
    assert "Approved its tenant's referral" not in text  # the partner approved nothing

    await sign_in(client, db, settings, world.landlord, world.scheme.slug)
    landlord = visible_text((await client.get(_path(world))).text)
    assert landlord.count("Approved its tenant's referral") == 3
    assert "Offered a" not in landlord  # the partner's offers are the partner's


async def test_paged_newest_first_by_cursor(
    client: Client, db: Database, settings: Settings, each_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = each_world
    made = [await world.circulating(world.domestic_abuse()) for _ in range(3)]
    monkeypatch.setattr(history, "PAGE_SIZE", 2)
    await sign_in(client, db, settings, world.landlord, world.scheme.slug)
    first = await client.get(_path(world))
    text = visible_text(first.text)
    assert str(made[2].reference) in text
    assert str(made[1].reference) in text
    assert str(made[0].reference) not in text
    found = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert found is not None
    second = visible_text((await client.get(found.group(1).replace("&amp;", "&"))).text)
    assert str(made[0].reference) in second
    assert str(made[2].reference) not in second


async def test_nothing_identifying_and_nothing_of_another_scheme(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    county = await County(db).build()
    theirs = await county.offered(county.domestic_abuse())
    ours = await desk.offered(desk.domestic_abuse())
    for lead in (desk.landlord, desk.partner):
        await sign_in(client, db, settings, lead)
        page = await client.get(_path(desk))
        assert page.status_code == 200
        assert_anonymised(page, str(theirs.reference))
        assert str(ours.reference) in page.text
