"""The batch page through HTTP: a referral reaching no partner is flagged and left out; the coordinator holds one
back and puts it back; the timeline says who released the batch."""

from __future__ import annotations

from dataclasses import replace

from people import actor, area_ids
from reciprocal.identity.models import Role
from reciprocal.referrals.workflow import State
from reciprocal.settings import Settings
from support import visible_text
from support.scheduled import approved
from support.web import LONDON, Client, act_as, post, version_in
from support.world import World

BASE = f"/s/{LONDON}/coordinator"


async def test_the_coordinator_holds_one_back_and_a_referral_no_partner_covers_is_flagged(
    client: Client, world: World, settings: Settings
) -> None:
    kept = await approved(world)
    nowhere = await area_ids(
        world.db, world.scheme.id, "croydon", "sutton", "merton", "kingston-upon-thames", "wandsworth"
    )
    unreached = await approved(world, replace(world.domestic_abuse(), safe_area_ids=frozenset(nowhere)))
    await act_as(client, world.db, settings, world.coordinator)

    page = await client.get(f"{BASE}/batch")
    text = visible_text(page.text)
    assert "1 approved referral reaches no partner: it stays out of the batch" in text
    assert (
        f"{unreached.reference} Croydon, Kingston upon Thames, Merton, Sutton and Wandsworth No partner has homes"
        in text
    )
    assert "1 referral in the batch" in text
    assert "The service releases the next one on" in text

    held = await post(
        client, f"{BASE}/batch/{kept.id}/hold-back", {"version": version_in(page.text, f"{kept.id}/hold-back")}
    )
    assert held.status_code == 303
    page = await client.get(held.headers["location"])
    text = visible_text(page.text)
    assert "Held back: the referral stays out of every batch until you put it back" in text
    assert f"{kept.reference} " in text
    assert "You held it back from batches" in text
    stale = await post(client, f"{BASE}/batch/{kept.id}/put-back", {"version": "1"})
    assert stale.status_code == 409

    nothing = await post(client, f"{BASE}/batch")
    assert nothing.status_code == 400
    assert (await world.referral(kept.id)).state == State.approved

    back = await post(
        client, f"{BASE}/batch/{kept.id}/put-back", {"version": version_in(page.text, f"{kept.id}/put-back")}
    )
    assert back.status_code == 303
    released = await post(client, f"{BASE}/batch")
    assert released.status_code == 303
    assert (await world.referral(kept.id)).state == State.circulating
    assert (await world.referral(unreached.id)).state == State.approved

    timeline = visible_text((await client.get(f"{BASE}/referrals/{kept.id}")).text)
    assert "Circulated to partners" in timeline
    assert "In a batch the coordinator released" in timeline
    assert "Held back from batches" in timeline
    assert "Put back in the next batch" in timeline


async def test_another_scheme_cannot_hold_back_this_schemes_referral(
    client: Client, world: World, settings: Settings
) -> None:
    kept = await approved(world)
    county = await actor(world.db, "cambridgeshire", "coordinator", Role.coordinator)
    await act_as(client, world.db, settings, county, "cambridgeshire")
    refused = await post(
        client, f"/s/cambridgeshire/coordinator/batch/{kept.id}/hold-back", {"version": str(kept.version)}
    )
    assert refused.status_code == 404
    assert not (await world.referral(kept.id)).held_back
