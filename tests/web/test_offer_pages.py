"""The offers' pages: the officer reviews offers standing side by side and chooses one, gives the viewing's date
and outcome and the applicant's decision; the coordinator confirms or queries it and sees the risk assessment's
state, on the referral and the work queue. Bad input is said next to its field and changes nothing; another
scheme's referral is not there; no partner page identifies anyone."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from reciprocal.db.engine import Database
from reciprocal.referrals import decisions, offers
from reciprocal.referrals.models import Offer, OfferState, Referral, Viewing
from reciprocal.referrals.workflow import State
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, post, sign_in, version_in
from support.world import KEYS, County, Desk, World, assert_anonymised


async def side_by_side(w: World) -> Referral:
    """A serious violence referral (no cap on offers) with two offers standing: Islington's and Brent's."""
    answers = replace(
        w.domestic_abuse(), risk_type="serious_violence", safe_area_ids=frozenset(), risk_assessor_id=w.assessor.user_id
    )
    referral = await w.circulating(answers)
    brent = replace(w.islington_flat(), area_id=w.brent_area, address="Flat 8, 2 Example Mews", floor=None)
    for lead, home in ((w.islington, w.islington_flat()), (w.brent, brent)):
        await w.run(offers.make_offer, lead, KEYS, referral.id, home, version=referral.version)
    return await w.referral(referral.id)


def officer_page(w: World, referral: Referral) -> str:
    return f"/s/{w.scheme.slug}/referrals/{referral.id}"


async def count(w: World, model: type[Offer] | type[Viewing]) -> int:
    async with w.db.tenant_session(w.scheme.id) as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_the_officer_sees_the_offers_side_by_side_and_chooses_one(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    referral = await side_by_side(desk)
    await sign_in(client, db, settings, desk.officer)
    page = await client.get(officer_page(desk, referral))
    text = visible_text(page.text)
    assert "Offers to review with the applicant" in text
    assert "2 properties are offered." in text
    assert "Where Islington, a property of Islington Council" in text
    assert "Where Brent, a property of Brent Council" in text
    assert "Floor Floor 2" in text
    assert "Floor House" in text
    assert "Flat 4" not in text
    assert "Flat 8" not in text, "no address before a viewing is arranged"

    # Choosing nothing: the question says so, and nothing changes.
    unanswered = await post(
        client,
        f"{officer_page(desk, referral)}/offers/choose-offer",
        {"version": version_in(page.text, "choose-offer")},
    )
    assert unanswered.status_code == 400
    text = visible_text(unanswered.text)
    assert "<title>Error: " in unanswered.text
    assert "There is a problem" in text
    assert 'href="#choose-offer-offer_id"' in unanswered.text
    assert (await desk.referral(referral.id)).state == State.circulating

    async with desk.db.tenant_session(desk.scheme.id) as session:
        brent = await session.scalar(select(Offer).where(Offer.organisation_id == desk.brent.organisation_id))
    assert brent is not None
    chosen = await post(
        client,
        f"{officer_page(desk, referral)}/offers/choose-offer",
        {"version": version_in(page.text, "choose-offer"), "offer_id": str(brent.id)},
    )
    assert chosen.status_code == 303
    assert chosen.headers["location"] == f"{officer_page(desk, referral)}?done=choose-offer"
    after = visible_text((await client.get(chosen.headers["location"])).text)
    assert "You chose the property to pursue" in after
    assert "Where Brent, a property of Brent Council" in after
    assert "Where Islington" not in after

    # Islington's named lead is told on its page what became of its offer, and nothing identifying.
    await sign_in(client, db, settings, desk.islington)
    released = await client.get(f"/s/pan-london/named-lead/referrals/{referral.id}")
    assert "The applicant chose another property: this offer is released." in visible_text(released.text)
    assert_anonymised(released, "Flat 4", "Flat 8")
    history = await client.get("/s/pan-london/named-lead/history")
    assert "Released: the applicant chose another property" in visible_text(history.text)
    assert_anonymised(history, "Flat 4", "Flat 8")


async def test_another_schemes_officer_cannot_choose(client: Client, db: Database, settings: Settings) -> None:
    world = await World(db).build()
    county = await County(db).build()
    referral = await side_by_side(world)
    await sign_in(client, db, settings, county.officer, county.scheme.slug)
    for scheme_slug in ("cambridgeshire", "pan-london"):
        sent = await post(
            client,
            f"/s/{scheme_slug}/referrals/{referral.id}/offers/choose-offer",
            {"version": str(referral.version), "offer_id": ""},
            csrf_from=f"/s/{county.scheme.slug}/",
        )
        assert sent.status_code in (403, 404)
    assert (await world.referral(referral.id)).state == State.circulating


async def viewing_arranged(w: World) -> Referral:
    referral = await side_by_side(w)
    async with w.db.tenant_session(w.scheme.id) as session:
        standing = await offers.live_offers(session, referral)
    await w.run(decisions.choose_offer, w.officer, referral.id, standing[0].id, version=referral.version)
    referral = await w.referral(referral.id)
    await w.run(offers.arrange_viewing, w.coordinator, referral.id, version=referral.version)
    return await w.referral(referral.id)


async def test_a_bad_viewing_date_is_said_next_to_the_field_and_changes_nothing(
    client: Client, db: Database, settings: Settings, world: World
) -> None:
    referral = await viewing_arranged(world)
    await sign_in(client, db, settings, world.officer)
    page = await client.get(officer_page(world, referral))
    assert "Address Flat 4, 1 Example Street" in visible_text(page.text)
    for day, month, year, message in (
        ("31", "2", "2027", "The viewing's date must be a real date, like 14 12 2026"),
        ("", "", "", "Enter the viewing's date, with a day, month and year"),
    ):
        sent = await post(
            client,
            f"{officer_page(world, referral)}/offers/viewing-date",
            {
                "version": version_in(page.text, "viewing-date"),
                "viewing_day": day,
                "viewing_month": month,
                "viewing_year": year,
            },
        )
        assert sent.status_code == 400
        text = visible_text(sent.text)
        assert "There is a problem" in text
        assert message in text
        assert 'href="#viewing-date-viewing_on-day"' in sent.text
    assert await count(world, Viewing) == 0

    # The coordinator's form: the same rule, the same words, on their page.
    await sign_in(client, db, settings, world.coordinator)
    here = f"/s/pan-london/coordinator/referrals/{referral.id}"
    page = await client.get(here)
    sent = await post(
        client,
        f"{here}/viewing-date",
        {
            "version": version_in(page.text, "viewing-date"),
            "viewing_day": "40",
            "viewing_month": "1",
            "viewing_year": "2027",
        },
    )
    assert sent.status_code == 400
    assert "The viewing's date must be a real date" in visible_text(sent.text)
    assert await count(world, Viewing) == 0


async def test_a_refusal_needs_its_reason_and_a_queried_decision_goes_back_with_its_note(
    client: Client, db: Database, settings: Settings, world: World
) -> None:
    referral = await viewing_arranged(world)
    await sign_in(client, db, settings, world.officer)
    base = officer_page(world, referral)
    page = await client.get(base)
    sent = await post(
        client, f"{base}/offers/decision", {"version": version_in(page.text, "decision"), "decision": "refuse"}
    )
    assert sent.status_code == 400
    assert "Select why the applicant refuses the offer" in visible_text(sent.text)
    assert 'href="#decision-reason"' in sent.text
    recorded = await post(
        client,
        f"{base}/offers/decision",
        {"version": version_in(page.text, "decision"), "decision": "refuse", "reason": "unmet_need"},
    )
    assert recorded.status_code == 303

    await sign_in(client, db, settings, world.coordinator)
    here = f"/s/pan-london/coordinator/referrals/{referral.id}"
    page = await client.get(here)
    text = visible_text(page.text)
    assert (
        "The nominating officer recorded the applicant's decision: The applicant refuses the offer: a physical, medical"
        in text
    )
    empty = await post(client, f"{here}/query-decision", {"version": version_in(page.text, "query-decision")})
    assert empty.status_code == 400
    assert "Enter what the nominating officer should check" in visible_text(empty.text)
    queried = await post(
        client,
        f"{here}/query-decision",
        {"version": version_in(page.text, "query-decision"), "note": "Is a ground floor flat needed?"},
    )
    assert queried.status_code == 303
    assert "Decision queried" in visible_text((await client.get(queried.headers["location"])).text)

    await sign_in(client, db, settings, world.officer)
    again = visible_text((await client.get(base)).text)
    assert "The coordinator queried the decision you recorded: Is a ground floor flat needed?" in again
    async with world.db.tenant_session(world.scheme.id) as session:
        offer = await session.scalar(select(Offer).where(Offer.state == OfferState.viewing))
    assert offer is not None
    assert offer.decision is None


async def test_the_work_queue_counts_risk_assessments_outstanding_in_its_own_scheme(
    client: Client, db: Database, settings: Settings
) -> None:
    world = await World(db).build()
    county = await County(db).build()
    referral = await viewing_arranged(world)
    await sign_in(client, db, settings, world.coordinator)
    queue = visible_text((await client.get("/s/pan-london/coordinator/")).text)
    assert "Risk assessments outstanding 1 offer waits for the risk assessor's view" in queue
    assert f"{referral.reference} today" in queue
    page = visible_text((await client.get(f"/s/pan-london/coordinator/referrals/{referral.id}")).text)
    assert "Risk assessment Requested: the risk assessor has not yet recorded it" in page

    await sign_in(client, db, settings, county.coordinator, county.scheme.slug)
    theirs = visible_text((await client.get("/s/cambridgeshire/coordinator/")).text)
    assert "No offer is waiting for a risk assessment." in theirs
    assert str(referral.reference) not in theirs
