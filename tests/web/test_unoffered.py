"""The coordinator's work queue lists referrals that have circulated for the criteria's reminder days (working
days) with no offer, in that scheme only."""

from __future__ import annotations

from datetime import timedelta

from reciprocal.db.engine import Database
from reciprocal.kernel import clock
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, sign_in
from support.world import County, World


async def test_a_referral_circulating_without_an_offer_reaches_the_work_queue(
    each_world: World, client: Client, db: Database, settings: Settings
) -> None:
    w = each_world
    other = await (County(db) if type(w) is World else World(db)).build()
    weeks_ago = clock.now() - timedelta(days=30)  # more working days than either scheme's reminder days
    with clock.as_of(weeks_ago):
        waiting = await w.circulating(w.domestic_abuse())
        offered = await w.offered(w.domestic_abuse())
        elsewhere = await other.circulating(other.domestic_abuse())
    recent = await w.circulating(w.domestic_abuse())

    await sign_in(client, db, settings, w.coordinator, w.scheme.slug)
    text = visible_text((await client.get(f"/s/{w.scheme.slug}/coordinator/")).text)
    section = text[text.index("Circulating with no offer") : text.index("Partners over their debt cap")]
    assert waiting.reference in section
    assert offered.reference not in section  # a partner offered
    assert recent.reference not in section  # not long enough yet
    assert elsewhere.reference not in section  # the other scheme's
