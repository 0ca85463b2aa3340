"""Housing Moves, the parallel pathway, through HTTP: the officer records that the applicant is registered, and the
coordinator or officer closes a referral as moved through another pathway, with nothing in the ledger."""

from __future__ import annotations

from sqlalchemy import func, select

from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.ledger.models import LedgerEntry
from reciprocal.notifications.handoffs import who_is_told
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Move, Offer, OfferState, Referral
from reciprocal.referrals.workflow import Action, State
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, act_as, post, version_in
from support.world import County, World


def coordinator_page(world: World, referral: Referral) -> str:
    return f"/s/{world.scheme.slug}/coordinator/referrals/{referral.id}"


def officer_page(world: World, referral: Referral) -> str:
    return f"/s/{world.scheme.slug}/referrals/{referral.id}"


async def count(world: World, model: type) -> int:
    async with world.db.tenant_session(world.scheme.id) as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def offers_of(world: World, referral: Referral) -> list[Offer]:
    async with world.db.tenant_session(world.scheme.id) as session:
        return list(await session.scalars(select(Offer).where(Offer.referral_id == referral.id)))


async def test_the_officer_records_registration_with_housing_moves(
    client: Client, world: World, settings: Settings
) -> None:
    draft = await world.run(referrals.start_referral, world.officer)
    await world.run(referrals.save_draft, world.officer, draft.id, world.domestic_abuse(), version=draft.version)
    await act_as(client, world.db, settings, world.officer)
    support = f"{officer_page(world, draft)}/support"
    page = await client.get(support)
    assert "Is the applicant registered with any of these?" in visible_text(page.text)
    fields = {
        "version": version_in(page.text),
        "safeguarding_measures": "IDVA support in place",
        "other_pathways": "housing_moves",
    }
    assert (await post(client, support, fields)).status_code == 303
    assert (await world.referral(draft.id)).other_pathways == ["housing_moves"]
    check = visible_text((await client.get(f"{officer_page(world, draft)}/check")).text)
    assert "Also registered with Housing Moves (the Mayor's pan-London mobility scheme)" in check

    # A key the criteria do not name is refused, and the draft keeps what it had.
    page = await client.get(support)
    bad = {**fields, "version": version_in(page.text), "other_pathways": "right_to_buy"}
    refused = await post(client, support, bad)
    assert refused.status_code == 400
    assert "Select from the list" in visible_text(refused.text)
    assert (await world.referral(draft.id)).other_pathways == ["housing_moves"]

    # Unticked: no longer registered.
    page = await client.get(support)
    cleared = {"version": version_in(page.text), "safeguarding_measures": "IDVA support in place"}
    assert (await post(client, support, cleared)).status_code == 303
    assert (await world.referral(draft.id)).other_pathways == []


async def test_a_scheme_naming_no_pathway_does_not_ask(client: Client, db: Database, settings: Settings) -> None:
    county = await County(db).build()
    draft = await county.run(referrals.start_referral, county.officer)
    await act_as(client, db, settings, county.officer, county.scheme.slug)
    page = await client.get(f"{officer_page(county, draft)}/support")
    assert page.status_code == 200
    assert "Is the applicant registered" not in page.text


async def test_the_coordinator_closes_an_offered_referral_as_moved_through_housing_moves(
    client: Client, world: World, settings: Settings
) -> None:
    referral = await world.offered(world.domestic_abuse())
    [offer] = await offers_of(world, referral)
    assert offer.address_encrypted is not None
    ledger_before = await count(world, LedgerEntry)
    await act_as(client, world.db, settings, world.coordinator)
    page = await client.get(coordinator_page(world, referral))
    assert "Moved through another pathway" in visible_text(page.text)
    step = f"{coordinator_page(world, referral)}/moved-elsewhere"

    missing = await post(client, step, {"version": version_in(page.text, "moved-elsewhere"), "note": ""})
    assert missing.status_code == 400
    assert "Select the pathway the applicant moved through" in visible_text(missing.text)
    assert (await world.referral(referral.id)).state == State.offer_made

    sent = await post(
        client,
        step,
        {"version": version_in(page.text, "moved-elsewhere"), "pathway": "housing_moves", "note": "Bid accepted"},
    )
    assert sent.status_code == 303
    closed = await world.referral(referral.id)
    assert closed.state == State.moved_elsewhere
    assert closed.ended_at is not None
    assert closed.other_pathways == ["housing_moves"]
    # No one of this scheme housed them: no move, nothing in the ledger, and the offer's address is forgotten.
    assert await count(world, Move) == 0
    assert await count(world, LedgerEntry) == ledger_before == 0
    [ended] = await offers_of(world, referral)
    assert (ended.state, ended.address_encrypted) == (OfferState.withdrawn, None)
    done = visible_text((await client.get(sent.headers["location"])).text)
    assert "moved through another pathway" in done
    assert "Moved through another pathway" in done  # the timeline

    async with world.db.tenant_session(world.scheme.id) as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "referral.record_other_pathway"))
        assert event is not None
        assert event.details["pathway"] == "housing_moves"
        told = await who_is_told(session, event, closed)
    kinds = {(t.role, t.user_id): t.kind for t in told}
    assert kinds[(Role.nominating_officer, world.officer.user_id)] == "moved_elsewhere"
    assert kinds[(Role.named_lead, world.partner.user_id)] == "moved_elsewhere"  # their offer ended


async def test_the_officer_closes_a_circulating_referral_as_moved_elsewhere(
    client: Client, world: World, settings: Settings
) -> None:
    referral = await world.circulating(world.domestic_abuse())
    await act_as(client, world.db, settings, world.officer)
    page = await client.get(officer_page(world, referral))
    assert "The applicant moved through another pathway" in visible_text(page.text)
    step = f"{officer_page(world, referral)}/moved-elsewhere"
    refused = await post(client, step, {"version": version_in(page.text), "pathway": "council_transfer"})
    assert refused.status_code == 400
    assert "Select the pathway the applicant moved through" in visible_text(refused.text)
    sent = await post(client, step, {"version": version_in(page.text), "pathway": "housing_moves"})
    assert sent.status_code == 303
    assert (await world.referral(referral.id)).state == State.moved_elsewhere
    assert await count(world, LedgerEntry) == 0
    after = visible_text((await client.get(officer_page(world, referral))).text)
    assert "moved through another pathway" in after
    assert "Close the referral" not in after


async def test_in_a_scheme_naming_none_the_step_is_not_offered_and_refused(
    client: Client, db: Database, settings: Settings
) -> None:
    county = await County(db).build()
    referral = await county.offered(county.domestic_abuse())
    await act_as(client, db, settings, county.coordinator, county.scheme.slug)
    page = await client.get(coordinator_page(county, referral))
    assert "Moved through another pathway" not in visible_text(page.text)
    sent = await post(
        client,
        f"{coordinator_page(county, referral)}/moved-elsewhere",
        {"version": version_in(page.text), "pathway": "housing_moves"},
    )
    assert sent.status_code == 400
    closed = await county.referral(referral.id)
    assert closed.state == State.offer_made
    [offer] = await offers_of(county, referral)
    assert offer.address_encrypted is not None


async def test_another_schemes_coordinator_cannot_close_it(client: Client, world: World, settings: Settings) -> None:
    referral = await world.circulating(world.domestic_abuse())
    county = await County(world.db).build()
    await act_as(client, world.db, settings, county.coordinator, county.scheme.slug)
    crafted = f"/s/{county.scheme.slug}/coordinator/referrals/{referral.id}/moved-elsewhere"
    sent = await post(client, crafted, {"version": str(referral.version), "pathway": "housing_moves"})
    assert sent.status_code == 404
    assert (await world.referral(referral.id)).state == State.circulating


async def test_the_officer_records_registration_after_submission_until_the_referral_ends(
    client: Client, world: World, settings: Settings
) -> None:
    referral = await world.circulating(world.domestic_abuse())
    await act_as(client, world.db, settings, world.officer)
    page = await client.get(officer_page(world, referral))
    assert "Where else the applicant is registered" in visible_text(page.text)
    step = f"{officer_page(world, referral)}/registered"
    sent = await post(client, step, {"version": version_in(page.text), "pathways": "housing_moves"})
    assert sent.status_code == 303
    saved = await world.referral(referral.id)
    assert saved.other_pathways == ["housing_moves"]
    assert saved.state == State.circulating
    async with world.db.tenant_session(world.scheme.id) as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "referral.pathways_registered"))
    assert event is not None
    assert event.details == {"pathways": ["housing_moves"]}

    # Not a pathway the criteria name: nothing changes.
    page = await client.get(officer_page(world, referral))
    await post(client, step, {"version": version_in(page.text), "pathways": "council_transfer"})
    assert (await world.referral(referral.id)).other_pathways == ["housing_moves"]

    # Once it has ended, the form is gone and a post changes nothing.
    ended = await world.referral(referral.id)
    await world.run(referrals.act, world.officer, referral.id, Action.withdraw, version=ended.version, note="x")
    page = await client.get(officer_page(world, referral))
    assert "Where else the applicant is registered" not in visible_text(page.text)
    await post(client, step, {"version": str((await world.referral(referral.id)).version)})
    assert (await world.referral(referral.id)).other_pathways == ["housing_moves"]
