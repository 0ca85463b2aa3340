"""The named lead's pages through HTTP: approvals, circulated referrals (anonymised), offers, and the home."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select

from people import actor, area_ids, organisation_id, scheme
from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.referrals import offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Offer, Referral
from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.referrals.workflow import Action, State
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, post, sign_in, version_in
from support.world import KEYS, Desk, World, assert_anonymised


def the_offer(world: World, **changes: Any) -> dict[str, str]:
    form = {
        "area_id": str(world.islington_area),
        "bedrooms": "2",
        "floor": "2",
        "accessibility": "Lift to all floors",
        "available_from-day": "1",
        "available_from-month": "12",
        "available_from-year": "2026",
        "address": "Flat 4, 1 Example Street",
    }
    form.update(changes)
    return form


# --- approvals --------------------------------------------------------------------------------------------


async def test_the_landlord_approves_or_declines_its_tenants_referral(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    first = await desk.awaiting_approval(desk.domestic_abuse())
    second = await desk.awaiting_approval(desk.domestic_abuse())
    await sign_in(client, db, settings, desk.camden)

    home = await client.get("/s/pan-london/named-lead/")
    text = visible_text(home.text)
    assert "Approvals waiting for you" in text
    assert text.index(first.reference or "") < text.index(second.reference or ""), "oldest first"
    assert f"{first.reference} 2 bedrooms today" in text  # not "0 days"

    page = await client.get(f"/s/pan-london/named-lead/approvals/{first.id}")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Sent for your approval today" in text
    assert "Meets the scheme's criteria (version 1)" in text
    assert "1 adult and 2 children, aged 3 and 7" in text
    assert "IDVA support in place" in text
    assert "Safe Steps London" in text  # the referring agency

    path = f"/s/pan-london/named-lead/approvals/{first.id}"
    refused = await post(client, path, {"version": version_in(page.text), "decision": "decline"})
    assert refused.status_code == 400
    assert "Select why you are declining the referral" in visible_text(refused.text)
    assert 'href="#reason"' in refused.text
    assert (await desk.referral(first.id)).state == State.awaiting_approval

    declined = await post(
        client,
        path,
        {"version": version_in(page.text), "decision": "decline", "reason": "not_our_tenant", "details": "Ended 2025"},
    )
    assert declined.status_code == 303
    referral = await desk.referral(first.id)
    assert referral.state == State.declined
    assert referral.note == "The applicant is not our tenant. Ended 2025"
    after = await client.get(declined.headers["location"])
    assert "Declined. The nominating officer has been told why" in visible_text(after.text)
    assert 'name="decision"' not in after.text

    page = await client.get(f"/s/pan-london/named-lead/approvals/{second.id}")
    approved = await post(
        client,
        f"/s/pan-london/named-lead/approvals/{second.id}",
        {"version": version_in(page.text), "decision": "approve"},
    )
    assert approved.status_code == 303
    assert (await desk.referral(second.id)).state == State.approved
    home = await client.get("/s/pan-london/named-lead/")
    assert "Nothing to approve" in visible_text(home.text)


async def test_a_decision_needs_a_choice_and_a_fresh_form(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    referral = await desk.awaiting_approval(desk.domestic_abuse())
    await sign_in(client, db, settings, desk.camden)
    path = f"/s/pan-london/named-lead/approvals/{referral.id}"
    nothing = await post(client, path, {"version": str(referral.version)})
    assert nothing.status_code == 400
    assert "Select whether you approve or decline the referral" in visible_text(nothing.text)
    other = await post(client, path, {"version": str(referral.version), "decision": "decline", "reason": "other"})
    assert "Say why you are declining the referral" in visible_text(other.text)
    old = str(referral.version - 1)
    unchosen = await post(client, path, {"version": old})
    assert version_in(unchosen.text) == old, "an error does not quietly bring the form up to date"
    stale = await post(client, path, {"version": old, "decision": "approve"})
    assert stale.status_code == 400
    assert "This referral has changed since you opened it: check it and try again" in visible_text(stale.text)
    assert (await desk.referral(referral.id)).state == State.awaiting_approval
    # Told so, they decide on the referral as it is now.
    assert version_in(stale.text) == str(referral.version)
    again = await post(client, path, {"version": version_in(stale.text), "decision": "approve"})
    assert again.status_code == 303
    assert (await desk.referral(referral.id)).state == State.approved


async def test_a_named_lead_of_another_council_cannot_see_or_approve(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    waiting = await desk.awaiting_approval(desk.domestic_abuse())
    circulating = await desk.circulating(desk.domestic_abuse())
    await sign_in(client, db, settings, desk.islington)
    path = f"/s/pan-london/named-lead/approvals/{waiting.id}"
    assert (await client.get(path)).status_code == 404
    assert (await post(client, path, {"version": str(waiting.version), "decision": "approve"})).status_code == 404
    assert (await desk.referral(waiting.id)).state == State.awaiting_approval
    # Circulated to Islington, it is seen anonymised, never on the landlord's page.
    assert (await client.get(f"/s/pan-london/named-lead/approvals/{circulating.id}")).status_code == 404
    assert (await client.get(f"/s/pan-london/named-lead/referrals/{circulating.id}")).status_code == 200
    assert "Nothing to approve" in visible_text((await client.get("/s/pan-london/named-lead/")).text)


# --- circulated referrals ---------------------------------------------------------------------------------


async def test_the_lists_show_referrals_reaching_the_named_leads_areas_only(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    for_islington = await desk.circulating(desk.domestic_abuse())
    west = await desk.circulating(desk.elsewhere("ealing", "hounslow", "hillingdon", "brent", "hackney"))
    await sign_in(client, db, settings, desk.islington)

    home = visible_text((await client.get("/s/pan-london/named-lead/")).text)
    assert for_islington.reference in home
    assert west.reference not in home
    assert "See all 1 referral open for offers in your boroughs" in home
    listed = visible_text((await client.get("/s/pan-london/named-lead/referrals/")).text)
    assert for_islington.reference in listed
    assert west.reference not in listed
    assert (await client.get(f"/s/pan-london/named-lead/referrals/{west.id}")).status_code == 404

    # New until opened: a reload keeps it (tests/web/test_named_lead_new.py), opening it does not.
    await client.get(f"/s/pan-london/named-lead/referrals/{for_islington.id}")
    again = visible_text((await client.get("/s/pan-london/named-lead/")).text)
    assert for_islington.reference not in again.split("New referrals for your boroughs")[1].split("See all")[0]
    assert "No new referrals. A referral circulated to you stays here for a week, or until you open it." in again
    newer = await desk.circulating(desk.domestic_abuse())
    later = visible_text((await client.get("/s/pan-london/named-lead/")).text)
    new_section = later.split("New referrals for your boroughs")[1].split("Your open offers")[0]
    assert newer.reference in new_section
    assert for_islington.reference not in new_section
    assert "See all 2 referrals open for offers" in later

    # Brent sees the west referral, and not Islington's.
    await sign_in(client, db, settings, desk.brent)
    brent_home = visible_text((await client.get("/s/pan-london/named-lead/")).text)
    assert west.reference in brent_home


async def test_named_lead_pages_never_show_monitoring_answers_the_case_reference_or_the_officer(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    waiting = await desk.awaiting_approval(desk.domestic_abuse())
    await sign_in(client, db, settings, desk.camden)
    for path in ("/s/pan-london/named-lead/", f"/s/pan-london/named-lead/approvals/{waiting.id}"):
        response = await client.get(path)
        assert response.status_code == 200
        assert_anonymised(response, desk.officer.email)

    circulated = await desk.circulating(desk.domestic_abuse())
    await sign_in(client, db, settings, desk.islington)
    # Circulated pages add: not the agency, the current landlord, the risk areas or the risk type, nor
    # safe areas Islington does not cover, nor the officer's safeguarding notes.
    hidden = (
        desk.officer.email,
        "Safe Steps London",
        "Camden",
        "Barnet",
        "Brent",
        "Hackney",
        "Domestic abuse",
        "IDVA support",
    )
    base = f"/s/pan-london/named-lead/referrals/{circulated.id}"
    pages = [
        await client.get("/s/pan-london/named-lead/"),
        await client.get("/s/pan-london/named-lead/referrals/"),
        await client.get(base),
        await client.get(f"{base}/offer"),
        await client.get(f"{base}/offer", headers={"HX-Request": "true"}),
        await post(client, f"{base}/offer", the_offer(desk, bedrooms="3", version=str(circulated.version))),
        await post(client, f"{base}/offer", {"version": str(circulated.version)}),
    ]
    for response in pages:
        assert response.status_code in (200, 400), response.request.url
        assert_anonymised(response, *hidden)
    circulated_page = visible_text(pages[2].text)
    assert circulated.reference in circulated_page
    assert "1 adult and 2 children, aged 3 and 7" in circulated_page
    assert "Safe boroughs you cover Islington" in circulated_page
    assert "Risk type" not in circulated_page  # domestic abuse needs no risk assessment


async def test_the_risk_type_shows_only_where_the_criteria_need_an_assessment(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    violence = replace(
        desk.domestic_abuse(),
        risk_type="serious_violence",
        safe_area_ids=frozenset(),
        risk_assessor_id=desk.assessor.user_id,
    )
    referral = await desk.circulating(violence)
    await sign_in(client, db, settings, desk.islington)
    page = await client.get(f"/s/pan-london/named-lead/referrals/{referral.id}")
    text = visible_text(page.text)
    assert "Risk type Serious violence: a risk assessor must confirm the offered borough is safe" in text
    # A referral naming no safe areas reaches partners with stock outside its risk areas: theirs only.
    assert "Safe boroughs you cover Islington" in text
    assert "Camden" not in text
    assert "Barnet" not in text


async def test_viewing_a_referral_is_audited(client: Client, db: Database, settings: Settings, desk: Desk) -> None:
    waiting = await desk.awaiting_approval(desk.domestic_abuse())
    circulated = await desk.circulating(desk.domestic_abuse())
    await sign_in(client, db, settings, desk.camden)
    await client.get(f"/s/pan-london/named-lead/approvals/{waiting.id}")
    await sign_in(client, db, settings, desk.islington)
    await client.get(f"/s/pan-london/named-lead/referrals/{circulated.id}")
    # The form swapped into that page reads nothing more; the form's own page is a reading of its own.
    await client.get(f"/s/pan-london/named-lead/referrals/{circulated.id}/offer", headers={"HX-Request": "true"})
    await client.get(f"/s/pan-london/named-lead/referrals/{circulated.id}/offer")
    async with db.tenant_session(desk.scheme.id) as session:
        events = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "referral.viewed").order_by(AuditEvent.occurred_at)
            )
        )
    assert [(e.subject_id, e.actor_user_id, e.actor_organisation_id, e.actor_role, e.details) for e in events] == [
        (waiting.id, desk.camden.user_id, desk.camden.organisation_id, "named_lead", {}),
        (circulated.id, desk.islington.user_id, desk.islington.organisation_id, "named_lead", {}),
        (circulated.id, desk.islington.user_id, desk.islington.organisation_id, "named_lead", {}),
    ]


# --- offers -----------------------------------------------------------------------------------------------


async def test_a_named_lead_offers_a_property(client: Client, db: Database, settings: Settings, desk: Desk) -> None:
    referral = await desk.circulating(desk.domestic_abuse())
    await sign_in(client, db, settings, desk.islington)
    base = f"/s/pan-london/named-lead/referrals/{referral.id}"
    page = await client.get(base)
    assert f'hx-get="{base}/offer"' in page.text
    assert f'href="{base}/offer"' in page.text

    fragment = await client.get(f"{base}/offer", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="offer_form">')
    assert "<html" not in fragment.text
    assert fragment.headers["vary"] == "HX-Request"
    form = await client.get(f"{base}/offer")
    assert "<html" in form.text
    text = visible_text(form.text)
    assert "Revealed only to the nominating officer, and only when the coordinator arranges a viewing" in text
    options = re.findall(r'<option value="([^"]*)"', form.text)
    assert options == ["", str(desk.islington_area)], "only the safe areas Islington covers"

    made = await post(client, f"{base}/offer", the_offer(desk, version=version_in(form.text)))
    assert made.status_code == 303
    assert made.headers["location"] == f"{base}?done=offered"
    landed = await client.get(made.headers["location"])
    assert "govuk-notification-banner--success" in landed.text
    # Later visits say what they offered, without announcing it as news each time.
    again = await client.get(base)
    assert "govuk-notification-banner--success" not in again.text
    after = visible_text(again.text)
    assert "You offered 2 bedrooms in Islington, available from 1 December 2026" in after
    assert "Offer a property" not in after

    async with db.tenant_session(desk.scheme.id) as session:
        offer = await session.scalar(select(Offer).where(Offer.referral_id == referral.id))
    assert offer is not None
    assert (offer.area_id, offer.bedrooms, offer.floor, offer.available_from) == (
        desk.islington_area,
        2,
        2,
        date(2026, 12, 1),
    )
    assert KEYS.decrypt(offer.address_encrypted or "") == "Flat 4, 1 Example Street"
    assert (await desk.referral(referral.id)).state == State.offer_made

    home = visible_text((await client.get("/s/pan-london/named-lead/")).text)
    assert f"{referral.reference} 2 bedrooms in Islington" in home
    assert "Offered: the coordinator will arrange a viewing" in home
    assert "Flat 4" not in home


async def test_an_offer_that_does_not_fit_says_why_next_to_each_field(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    referral = await desk.circulating(desk.domestic_abuse())
    await sign_in(client, db, settings, desk.islington)
    path = f"/s/pan-london/named-lead/referrals/{referral.id}/offer"
    version = str(referral.version)

    empty = await post(client, path, {"version": version})
    assert empty.status_code == 400
    text = visible_text(empty.text)
    for message in (
        "Select the area the property is in",
        "Enter the number of bedrooms",
        "Enter the date the property is available from",
    ):
        assert text.count(message) == 2, message  # in the summary and next to the field
    assert 'href="#available_from-day"' in empty.text

    wrong = await post(client, path, the_offer(desk, version=version, bedrooms="3", address="", floor="first"))
    assert wrong.status_code == 400
    text = visible_text(wrong.text)
    assert "Enter the floor as a whole number" in text
    wrong = await post(client, path, the_offer(desk, version=version, bedrooms="3", address=" "))
    text = visible_text(wrong.text)
    assert "Offer a property with 2 bedrooms: like for like" in text
    assert "Enter the property's address" in text
    assert re.search(
        r'id="bedrooms-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span> Offer a property', wrong.text
    )
    assert 'value="3"' in wrong.text, "what was typed is kept"

    at_risk = await post(client, path, the_offer(desk, version=version, area_id=str(desk.barnet)))
    assert "The applicant is at risk in this area" in visible_text(at_risk.text)
    elsewhere = await post(client, path, the_offer(desk, version=version, area_id=str(desk.brent_area)))
    assert "Choose an area where your organisation has properties" in visible_text(elsewhere.text)
    bad_date = await post(client, path, the_offer(desk, version=version, **{"available_from-month": "13"}))
    assert "must be a real date" in visible_text(bad_date.text)
    # Malformed numbers are form errors like any other, never a 500.
    for year in ("9" * 20, "\u00b2\u2070\u00b2\u2076", "\uff12\uff10\uff12\uff16"):
        odd = await post(client, path, the_offer(desk, version=version, **{"available_from-year": year}))
        assert odd.status_code == 400, year
        assert "must be a real date" in visible_text(odd.text)
    for bedrooms in ("\u00b2", "9" * 20):
        odd = await post(client, path, the_offer(desk, version=version, bedrooms=bedrooms))
        assert odd.status_code == 400, bedrooms
        assert "Enter the number of bedrooms" in visible_text(odd.text)

    async with db.tenant_session(desk.scheme.id) as session:
        assert await session.scalar(select(Offer).where(Offer.referral_id == referral.id)) is None
    assert (await desk.referral(referral.id)).state == State.circulating


async def test_losing_the_race_says_another_property_was_just_offered(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    referral = await desk.circulating(desk.domestic_abuse())
    await sign_in(client, db, settings, desk.islington)
    path = f"/s/pan-london/named-lead/referrals/{referral.id}/offer"
    form = await client.get(path)
    brent_flat = replace(desk.islington_flat(), area_id=desk.brent_area)
    await desk.run(offers.make_offer, desk.brent, KEYS, referral.id, brent_flat, version=referral.version)

    lost = await post(client, path, the_offer(desk, version=version_in(form.text)))
    assert lost.status_code == 409
    text = visible_text(lost.text)
    assert "The property was not offered Another property has just been offered to this referral." in text
    assert "This referral is no longer open for offers" in text
    assert 'name="address"' not in lost.text
    async with db.tenant_session(desk.scheme.id) as session:
        made = list(await session.scalars(select(Offer.organisation_id).where(Offer.referral_id == referral.id)))
    assert made == [desk.brent.organisation_id]


# --- who may use the pages --------------------------------------------------------------------------------


async def test_other_roles_are_refused(client: Client, db: Database, settings: Settings, desk: Desk) -> None:
    referral = await desk.circulating(desk.domestic_abuse())
    paths = [
        "/s/pan-london/named-lead/",
        "/s/pan-london/named-lead/referrals/",
        f"/s/pan-london/named-lead/referrals/{referral.id}",
        f"/s/pan-london/named-lead/referrals/{referral.id}/offer",
        f"/s/pan-london/named-lead/approvals/{referral.id}",
    ]
    for person in (desk.officer, desk.coordinator, desk.assessor):
        await sign_in(client, db, settings, person)
        for path in paths:
            assert (await client.get(path)).status_code == 403, (person.role, path)
        offered = await post(client, paths[3], the_offer(desk, version=str(referral.version)))
        assert offered.status_code == 403


async def test_another_schemes_referral_is_not_found(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    county = await scheme(db, "cambridgeshire")
    officer = await actor(db, "cambridgeshire", "county-refuge-support", Role.nominating_officer)
    coordinator = await actor(db, "cambridgeshire", "coordinator", Role.coordinator)
    city = await actor(db, "cambridgeshire", "cambridge-city-council", Role.named_lead)
    cambridge, fenland, hunts = await area_ids(db, county.id, "cambridge", "fenland", "huntingdonshire")
    answers = ReferralAnswers(
        consent=True,
        tenancy_type="secure",
        current_landlord_id=await organisation_id(db, county.id, "cambridge-city-council"),
        current_area_id=cambridge,
        adults=1,
        bedrooms_needed=1,
        risk_type="domestic_abuse",
        risk_area_ids=frozenset({cambridge}),
        safe_area_ids=frozenset({fenland, hunts}),
        safeguarding_measures="Refuge support in place",
    )

    async def run(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        async with db.tenant_session(county.id) as session, session.begin():
            return await fn(session, *args, **kwargs)

    draft = await run(referrals.start_referral, officer)
    draft = await run(referrals.save_draft, officer, draft.id, answers, version=draft.version)
    theirs = await run(referrals.submit, officer, county, draft.id, version=draft.version)
    theirs = await run(referrals.act, coordinator, theirs.id, Action.request_approval, version=theirs.version)
    await sign_in(client, db, settings, city, "cambridgeshire")
    assert (await client.get(f"/s/cambridgeshire/named-lead/approvals/{theirs.id}")).status_code == 200

    await sign_in(client, db, settings, desk.camden)
    for path in (
        f"/s/pan-london/named-lead/approvals/{theirs.id}",
        f"/s/pan-london/named-lead/referrals/{theirs.id}",
        f"/s/pan-london/named-lead/referrals/{theirs.id}/offer",
        f"/s/pan-london/named-lead/approvals/{uuid.uuid4()}",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Refuge support" not in response.text
    approve = await post(
        client, f"/s/pan-london/named-lead/approvals/{theirs.id}", {"version": "1", "decision": "approve"}
    )
    assert approve.status_code == 404
    async with db.tenant_session(county.id) as session:
        assert (await session.get(Referral, (county.id, theirs.id))).state == State.awaiting_approval  # type: ignore[union-attr]
