"""A partner reads a referral while it is its part, and afterwards only what became of its part.

The landlord's named lead sees its tenant's referral in full while asked to approve it; a partner sees one
while it circulates to them or holds their live offer. Pan London only: the World builders make its people.
"""

from __future__ import annotations

from people import actor
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.referrals import offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.workflow import State
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, post, sign_in, version_in
from support.world import KEYS, Desk, assert_anonymised

HOUSEHOLD = "1 adult and 2 children"


async def _page(client: Client, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    assert_anonymised(page)
    return visible_text(page.text)


async def test_the_landlord_sees_its_tenants_referral_in_full_only_while_asked_to_approve_it(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    approving = await desk.awaiting_approval(desk.domestic_abuse())
    declining = await desk.awaiting_approval(desk.domestic_abuse())
    await sign_in(client, db, settings, desk.camden)
    path = f"/s/pan-london/named-lead/approvals/{approving.id}"
    form = await client.get(path)
    assert HOUSEHOLD in visible_text(form.text)
    approved = await post(client, path, {"version": version_in(form.text), "decision": "approve"})
    after = await _page(client, approved.headers["location"])
    assert "Approved. The coordinator will circulate this referral" in after
    assert HOUSEHOLD not in after
    assert 'name="decision"' not in (await client.get(path)).text

    await desk.run(referrals.circulate_batch, desk.coordinator)
    later = await _page(client, path)
    assert "You approved this referral" in later
    assert HOUSEHOLD not in later

    declined_path = f"/s/pan-london/named-lead/approvals/{declining.id}"
    form = await client.get(declined_path)
    fields = {"version": version_in(form.text), "decision": "decline", "reason": "not_our_tenant"}
    await post(client, declined_path, fields)
    declined = await _page(client, declined_path)
    assert "Declined. The nominating officer has been told why: The applicant is not our tenant." in declined
    assert HOUSEHOLD not in declined


async def test_a_partner_reads_a_referral_while_it_circulates_or_holds_their_offer_and_then_only_the_outcome(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    hackney = await actor(db, "pan-london", "hackney-council", Role.named_lead)
    referral = await desk.circulating(desk.domestic_abuse())
    path = f"/s/pan-london/named-lead/referrals/{referral.id}"
    for lead in (desk.islington, hackney):
        await sign_in(client, db, settings, lead)
        assert HOUSEHOLD in await _page(client, path)

    offered = await desk.referral(referral.id)
    await desk.run(offers.make_offer, desk.islington, KEYS, referral.id, desk.islington_flat(), version=offered.version)
    await sign_in(client, db, settings, hackney)
    elsewhere = await _page(client, path)
    assert "This referral is no longer open for offers" in elsewhere
    assert HOUSEHOLD not in elsewhere
    await sign_in(client, db, settings, desk.islington)
    theirs = await _page(client, path)
    assert HOUSEHOLD in theirs
    assert "You offered" in theirs

    moved = await desk.moved(desk.domestic_abuse(), desk.islington, desk.islington_flat())
    moved_path = f"/s/pan-london/named-lead/referrals/{moved.id}"
    outcome = await _page(client, moved_path)
    assert "The applicant moved into this property." in outcome
    assert HOUSEHOLD not in outcome
    await sign_in(client, db, settings, hackney)
    closed = await _page(client, moved_path)
    assert "This referral is no longer open for offers." in closed
    assert HOUSEHOLD not in closed


async def test_after_a_justified_refusal_the_referral_is_the_partners_to_read_again(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    referral = await desk.offered(desk.domestic_abuse())
    path = f"/s/pan-london/named-lead/referrals/{referral.id}"
    offered = await desk.referral(referral.id)
    # A need the property cannot meet: the criteria allow it, so the referral circulates again.
    await desk.run(offers.refuse, desk.coordinator, referral.id, reason="unmet_need", version=offered.version)
    assert (await desk.referral(referral.id)).state == State.circulating
    await sign_in(client, db, settings, desk.islington)
    again = await _page(client, path)
    assert HOUSEHOLD in again
    assert "You offered" not in again
