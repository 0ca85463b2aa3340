"""The coordinator's pages through HTTP: the work queue, a referral's page and each of its actions, batches."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from httpx import Response
from sqlalchemy import select

from people import actor as make_actor
from reciprocal.audit.models import AuditEvent
from reciprocal.criteria.services import current_criteria
from reciprocal.identity.models import Role
from reciprocal.kernel.dates import UK_TIME
from reciprocal.ledger.models import LedgerEntry
from reciprocal.portals.coordinator.presenters import criteria_check
from reciprocal.portals.coordinator.queries import READS_COUNTED
from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.referrals import offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.referrals.workflow import Action, State
from reciprocal.settings import REPO_ROOT, Settings
from support import visible_text
from support.web import LONDON, Client, act_as, post, version_in
from support.world import KEYS, World

BASE = f"/s/{LONDON}/coordinator"
STALE = "This referral has changed since you opened it: check it and try again"


async def take(client: Client, referral_id: uuid.UUID, step: str, **fields: str) -> Response:
    """Open the referral's page and send one of its forms, with the version the page gave."""
    page = await client.get(f"{BASE}/referrals/{referral_id}")
    assert page.status_code == 200
    return await post(
        client, f"{BASE}/referrals/{referral_id}/{step}", {"version": version_in(page.text, step), **fields}
    )


async def state_of(world: World, referral_id: uuid.UUID) -> State:
    return (await world.referral(referral_id)).state


async def coordinator(client: Client, world: World, settings: Settings) -> None:
    await act_as(client, world.db, settings, world.coordinator)


# The work queue.


async def test_the_work_queue_counts_each_stage_and_links_to_its_list(
    client: Client, world: World, settings: Settings
) -> None:
    await coordinator(client, world, settings)
    empty = visible_text((await client.get(f"{BASE}/")).text)
    assert "Nothing in the work queue" in empty
    assert "No partner is over the debt cap" in empty

    first = await world.submitted(world.domestic_abuse())
    await world.submitted(world.domestic_abuse())
    waiting = await world.submitted(world.domestic_abuse())
    await world.run(referrals.act, world.coordinator, waiting.id, Action.request_approval, version=waiting.version)
    home = await client.get(f"{BASE}/")
    assert home.status_code == 200
    text = visible_text(home.text)
    assert "New to check Check each against the scheme's criteria. 2 new to check today" in text
    assert "Awaiting landlord approval" in text
    assert "until it reciprocates. 0 on hold Nothing waiting" in text  # an empty stage's oldest
    assert "None" not in text
    assert f'href="{BASE}/referrals?state=submitted"' in home.text
    assert f'href="{BASE}/referrals?state=awaiting_approval"' in home.text

    listed = await client.get(f"{BASE}/referrals?state=submitted")
    assert listed.status_code == 200
    assert str(first.reference) in listed.text
    assert str(waiting.reference) not in listed.text
    assert "2 referrals" in visible_text(listed.text)
    nothing = visible_text((await client.get(f"{BASE}/referrals?state=circulating")).text)
    assert "No referrals here" in nothing
    assert "Referrals appear here once you release a batch." in nothing
    assert (await client.get(f"{BASE}/referrals?state=nonsense")).status_code == 400


async def test_the_work_queue_names_partners_over_the_debt_cap(
    client: Client, world: World, settings: Settings
) -> None:
    async with world.db.tenant_session(world.scheme.id) as session, session.begin():
        published = await current_criteria(session, world.scheme.id)
        assert published is not None
        for _ in range(published.criteria.partner_debt_cap + 1):
            session.add(LedgerEntry(tenant_id=world.scheme.id, partner_id=world.camden_council, bedrooms=2, amount=-1))
    held = await world.submitted(world.domestic_abuse())
    assert held.state == State.on_hold
    await coordinator(client, world, settings)
    text = visible_text((await client.get(f"{BASE}/")).text)
    assert "Partners over their debt cap" in text
    assert "Camden Council 4 1" in text  # owes 4, one referral on hold


# A referral's page.


def test_the_criteria_check_says_each_rule_in_its_own_words() -> None:
    london = read_scheme_folder(REPO_ROOT / "tenants" / "pan-london").criteria
    at_risk, current = uuid.uuid4(), uuid.uuid4()
    answers = ReferralAnswers(
        consent=True,
        tenancy_type="secure",
        current_landlord_id=uuid.uuid4(),
        current_area_id=current,
        bedrooms_needed=2,
        risk_type="domestic_abuse",
        risk_area_ids=frozenset({at_risk}),
        safe_area_ids=frozenset({uuid.uuid4(), at_risk}),
        safeguarding_measures="Call 07700 900123",
    )
    checks = {c.rule: c.problems for c in criteria_check(answers, london, "borough")}
    assert checks["The applicant has consented to the referral"] == ()
    assert checks["Name risk boroughs"] == ()
    assert checks["Name at least 5 safe boroughs"] == (
        "Select at least 5 safe boroughs: 2 selected",
        "A borough cannot be both safe and at risk: remove it from one list",
    )
    assert checks["Support and aftercare in place"] == (
        "Remove a phone number: the referral must not identify the applicant",
    )
    assert "Risk assessor required" not in checks  # not a rule for domestic abuse
    serious = replace(answers, risk_type="serious_violence", safe_area_ids=frozenset(), safeguarding_measures="IDVA")
    checks = {c.rule: c.problems for c in criteria_check(serious, london, "borough")}
    assert checks["Risk assessor required"] == ("Name a risk assessor: serious violence needs one",)
    assert all(not c.passed for c in criteria_check(ReferralAnswers(), london, "borough")[:1])


async def test_the_referral_page_shows_the_check_the_facts_the_timeline_and_only_allowed_actions(
    client: Client, world: World, settings: Settings
) -> None:
    referral = await world.submitted(world.domestic_abuse())
    await coordinator(client, world, settings)
    page = await client.get(f"{BASE}/referrals/{referral.id}")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert str(referral.reference) in text
    assert "Submitted Check each against the scheme's criteria." in text
    # The facts matching needs, with areas by name.
    assert "Current landlord Camden Council" in text
    assert "Household 1 adult and 2 children (aged 3 and 7)" in text
    assert "Bedrooms needed 2 bedrooms" in text
    assert "Risk type Domestic abuse. Offers capped at 1" in text
    assert "Risk boroughs Barnet and Camden" in text
    assert "Safe boroughs Brent, Hackney, Islington, Lewisham and Southwark" in text
    # The criteria check, rule by rule, in the criteria's words.
    assert "Name at least 5 safe boroughs Pass" in text
    assert "Name risk boroughs Pass" in text
    assert "Support and aftercare in place Pass" in text
    assert "Fail" not in text
    # The timeline: who, in which role, for which organisation.
    assert "Submitted by Nominating Officer, nominating officer, Safe Steps London" in text
    assert "From a draft to submitted" in text
    assert 'class="moj-timeline__item"' in page.text
    # Only what the workflow allows the coordinator now.
    for button in ("Send for landlord approval", "Return for information", "Mark ineligible", "Withdraw referral"):
        assert button in text, button
    for absent in ("Arrange viewing", "Record acceptance", "Record refusal", "Record move"):
        assert absent not in text, absent
    assert "Monitoring" not in text


async def test_each_view_is_audited_with_who_read_it(client: Client, world: World, settings: Settings) -> None:
    referral = await world.submitted(world.domestic_abuse())
    await coordinator(client, world, settings)
    assert (await client.get(f"{BASE}/referrals/{referral.id}")).status_code == 200
    again = await client.get(f"{BASE}/referrals/{referral.id}")
    async with world.db.tenant_session(world.scheme.id) as session:
        views = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "referral.viewed", AuditEvent.subject_id == referral.id)
            )
        )
    assert len(views) == 2
    for view in views:
        assert view.subject_type == "referral"
        assert view.actor_user_id == world.coordinator.user_id
        assert view.actor_organisation_id == world.coordinator.organisation_id
        assert view.actor_role == "coordinator"
        assert view.details == {}
    page = visible_text(again.text)
    # Reads are counted under the timeline, not listed in it: each read would otherwise add a line.
    assert "Read 2 times; most recently by Coordinator, coordinator, Pan London Reciprocal Coordination Team" in page
    assert "Viewed by" not in page


async def test_the_officers_own_reads_are_not_counted_as_reads(
    client: Client, world: World, settings: Settings
) -> None:
    referral = await world.submitted(world.domestic_abuse())
    async with world.db.tenant_session(world.scheme.id) as session, session.begin():
        for _ in range(3):  # the officer checking their own referral
            referrals.record_view(session, world.officer, referral.id)
    await coordinator(client, world, settings)
    page = visible_text((await client.get(f"{BASE}/referrals/{referral.id}")).text)
    assert "Read 1 time; most recently by Coordinator" in page


async def test_a_referral_read_thousands_of_times_says_so_without_counting_them_all(
    client: Client, world: World, settings: Settings
) -> None:
    referral = await world.submitted(world.domestic_abuse())
    async with world.db.tenant_session(world.scheme.id) as session, session.begin():
        for _ in range(READS_COUNTED + 5):  # a named lead reading it again and again
            referrals.record_view(session, world.camden, referral.id)
    await coordinator(client, world, settings)
    page = visible_text((await client.get(f"{BASE}/referrals/{referral.id}")).text)
    assert f"Read more than {READS_COUNTED:,} times; most recently by Coordinator" in page
    assert "Viewed by" not in page


async def test_returning_for_information_needs_a_message_that_does_not_identify(
    client: Client, world: World, settings: Settings
) -> None:
    referral = await world.submitted(world.domestic_abuse())
    await coordinator(client, world, settings)
    empty = await take(client, referral.id, "return", note="  ")
    assert empty.status_code == 400
    assert "Enter what the nominating officer needs to add" in visible_text(empty.text)
    assert 'href="#return-note"' in empty.text
    identifying = await take(client, referral.id, "return", note="Ring her on 07700 900123")
    assert identifying.status_code == 400
    assert "Remove a phone number" in visible_text(identifying.text)
    assert "Ring her on 07700 900123" in identifying.text, "what was typed is kept"
    assert await state_of(world, referral.id) == State.submitted

    done = await take(client, referral.id, "return", note="Add the safeguarding plan")
    assert done.status_code == 303
    assert done.headers["location"] == f"{BASE}/referrals/{referral.id}?done=return"
    page = visible_text((await client.get(done.headers["location"])).text)
    assert "Returned to the nominating officer for information" in page
    assert "Latest message to the nominating officer Add the safeguarding plan" in page
    assert "Returned for information by Coordinator, coordinator, Pan London Reciprocal Coordination Team" in page
    returned = await world.referral(referral.id)
    assert (returned.state, returned.note) == (State.returned, "Add the safeguarding plan")


async def test_marking_ineligible_needs_a_reason(client: Client, world: World, settings: Settings) -> None:
    referral = await world.submitted(world.domestic_abuse())
    await coordinator(client, world, settings)
    refused = await take(client, referral.id, "ineligible")
    assert refused.status_code == 400
    assert "Enter why the referral is ineligible" in visible_text(refused.text)
    done = await take(client, referral.id, "ineligible", note="Not a social tenant")
    assert done.status_code == 303
    assert await state_of(world, referral.id) == State.ineligible
    page = visible_text((await client.get(done.headers["location"])).text)
    assert "Ineligible" in page
    assert "Nothing, at this stage." in page


async def test_requesting_approval_and_a_refused_transition(client: Client, world: World, settings: Settings) -> None:
    referral = await world.submitted(world.domestic_abuse())
    await coordinator(client, world, settings)
    page = await client.get(f"{BASE}/referrals/{referral.id}")
    version = version_in(page.text, "request-approval")
    done = await post(client, f"{BASE}/referrals/{referral.id}/request-approval", {"version": version})
    assert done.status_code == 303
    assert await state_of(world, referral.id) == State.awaiting_approval
    # Asking again, with the referral's current version, is refused in the workflow's words.
    current = str((await world.referral(referral.id)).version)
    again = await post(client, f"{BASE}/referrals/{referral.id}/request-approval", {"version": current})
    assert again.status_code == 409
    assert "A referral that is awaiting landlord approval cannot be sent for landlord approval." in visible_text(
        again.text
    )
    assert "Send for landlord approval" not in visible_text(again.text)


async def test_a_stale_form_is_refused_and_changes_nothing(client: Client, world: World, settings: Settings) -> None:
    referral = await world.submitted(world.domestic_abuse())
    await coordinator(client, world, settings)
    page = await client.get(f"{BASE}/referrals/{referral.id}")
    opened = version_in(page.text, "ineligible")
    # Someone else acts on it meanwhile.
    await world.run(referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version)
    stale = await post(
        client, f"{BASE}/referrals/{referral.id}/ineligible", {"version": opened, "note": "Not a social tenant"}
    )
    assert stale.status_code == 409
    assert STALE in visible_text(stale.text)
    assert await state_of(world, referral.id) == State.awaiting_approval
    missing = await post(client, f"{BASE}/referrals/{referral.id}/withdraw", {"note": "Moved away"})
    assert missing.status_code == 409
    assert STALE in visible_text(missing.text)


async def test_withdrawing_needs_a_reason(client: Client, world: World, settings: Settings) -> None:
    referral = await world.submitted(world.domestic_abuse())
    await coordinator(client, world, settings)
    refused = await take(client, referral.id, "withdraw")
    assert refused.status_code == 400
    assert "Enter why the referral is withdrawn" in visible_text(refused.text)
    assert '<details class="govuk-details" open' in refused.text
    too_long = await take(client, referral.id, "withdraw", note="a" * 20_000)
    assert too_long.status_code == 400
    assert "Keep the message to 2000 characters or fewer" in visible_text(too_long.text)
    assert await state_of(world, referral.id) == State.submitted
    done = await take(client, referral.id, "withdraw", note="The applicant no longer wants to move")
    assert done.status_code == 303
    assert await state_of(world, referral.id) == State.withdrawn


async def test_an_offer_from_viewing_to_move(client: Client, world: World, settings: Settings) -> None:
    referral = await world.offered(world.domestic_abuse())
    await coordinator(client, world, settings)
    page = visible_text((await client.get(f"{BASE}/referrals/{referral.id}")).text)
    assert "Offered by Islington Council" in page
    assert "Example Street" not in page  # the address is never the coordinator's to see
    assert "Arrange viewing" in page
    assert "Record refusal" in page
    assert "Record acceptance" not in page

    assert (await take(client, referral.id, "viewing")).status_code == 303
    assert await state_of(world, referral.id) == State.viewing
    current = str((await world.referral(referral.id)).version)
    again = await post(client, f"{BASE}/referrals/{referral.id}/viewing", {"version": current})
    assert again.status_code == 409
    assert "A referral that is at viewing cannot be given a viewing." in visible_text(again.text)

    assert (await take(client, referral.id, "accept")).status_code == 303
    assert await state_of(world, referral.id) == State.accepted

    moving = await client.get(f"{BASE}/referrals/{referral.id}")
    assert re.search(r'<input[^>]*id="move-bedrooms"[^>]*value="2"', moving.text), "the offer's bedrooms, to start"
    tomorrow = datetime.now(UK_TIME).date() + timedelta(days=1)
    future = await take(
        client,
        referral.id,
        "move",
        moved_day=str(tomorrow.day),
        moved_month=str(tomorrow.month),
        moved_year=str(tomorrow.year),
        bedrooms="2",
    )
    assert future.status_code == 400
    assert "The date of the move must be today or in the past" in visible_text(future.text)
    nonsense = await take(client, referral.id, "move", moved_day="31", moved_month="2", moved_year="2026", bedrooms="x")
    assert nonsense.status_code == 400
    text = visible_text(nonsense.text)
    assert "The date of the move must be a real date" in text
    assert "Enter the number of bedrooms in the new home, from 0 (studio) to 7" in text
    assert await state_of(world, referral.id) == State.accepted

    today = datetime.now(UK_TIME).date()
    done = await take(
        client,
        referral.id,
        "move",
        moved_day=str(today.day),
        moved_month=str(today.month),
        moved_year=str(today.year),
        bedrooms="2",
    )
    assert done.status_code == 303
    assert await state_of(world, referral.id) == State.moved
    moved = visible_text((await client.get(done.headers["location"])).text)
    assert "Move recorded: the ledger is updated" in moved
    for event in ("Move recorded", "Offer accepted", "Viewing arranged", "Property offered", "Circulated to partners"):
        assert event in moved, event
    assert "Property offered by Named Lead, named lead, Islington Council" in moved


async def test_recording_a_refusal_needs_a_reason_from_the_list(
    client: Client, world: World, settings: Settings
) -> None:
    referral = await world.offered(world.domestic_abuse())
    await coordinator(client, world, settings)
    missing = await take(client, referral.id, "refuse")
    assert missing.status_code == 400
    assert "Select why the applicant refused the offer" in visible_text(missing.text)
    page = await client.get(f"{BASE}/referrals/{referral.id}")
    for value in offers.REFUSAL_REASONS:
        assert f'value="{value}"' in page.text
    done = await take(client, referral.id, "refuse", reason="risk")
    assert done.status_code == 303
    assert await state_of(world, referral.id) == State.circulating
    text = visible_text((await client.get(done.headers["location"])).text)
    assert "Offer refused: circulating again" in text
    assert "Reason: a risk declared in the referral, or found by the risk assessment" in text


async def test_acceptance_is_refused_before_a_needed_risk_assessment(
    client: Client, world: World, settings: Settings
) -> None:
    answers = replace(
        world.domestic_abuse(),
        risk_type="serious_violence",
        safe_area_ids=frozenset(),
        risk_assessor_id=world.assessor.user_id,
    )
    referral = await world.circulating(answers)
    await world.run(
        offers.make_offer, world.islington, KEYS, referral.id, world.islington_flat(), version=referral.version
    )
    referral = await world.chosen(referral.id)  # serious violence: offers side by side, chosen by the officer
    await world.run(offers.arrange_viewing, world.coordinator, referral.id, version=referral.version)
    await coordinator(client, world, settings)
    refused = await take(client, referral.id, "accept")
    assert refused.status_code == 409
    assert "The offer cannot be accepted before the risk assessment is recorded." in visible_text(refused.text)
    assert await state_of(world, referral.id) == State.viewing


# Batches.


async def test_the_batch_shows_whom_each_referral_reaches_and_why_and_releases(
    client: Client, world: World, settings: Settings
) -> None:
    await coordinator(client, world, settings)
    empty = await client.get(f"{BASE}/batch")
    assert "No referrals ready to circulate" in visible_text(empty.text)
    nothing = await post(client, f"{BASE}/batch")
    assert nothing.status_code == 400
    assert "There are no approved referrals to release" in visible_text(nothing.text)

    referral = await world.submitted(world.domestic_abuse())
    referral = await world.run(
        referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version
    )
    await world.run(referrals.act, world.camden, referral.id, Action.approve, version=referral.version)
    page = await client.get(f"{BASE}/batch")
    text = visible_text(page.text)
    assert str(referral.reference) in text
    assert "Islington Council: has homes in Islington" in text
    assert "Thameside Homes: has homes in Lewisham and Southwark" in text
    assert "Northgate Housing Association: has homes in Brent" in text
    assert "Camden Council:" not in text  # Camden is a risk borough, not a safe one
    assert "Westway Living" not in text

    released = await post(client, f"{BASE}/batch")
    assert released.status_code == 303
    assert await state_of(world, referral.id) == State.circulating
    after = visible_text((await client.get(released.headers["location"])).text)
    assert "Batch released: 1 referral is now circulating" in after
    assert "No referrals ready to circulate" in after


# Who may see what.


async def test_another_schemes_referral_or_a_draft_is_not_found(
    client: Client, world: World, settings: Settings
) -> None:
    referral = await world.submitted(world.domestic_abuse())
    draft = await world.run(referrals.start_referral, world.officer)
    county = await make_actor(world.db, "cambridgeshire", "coordinator", Role.coordinator)
    await act_as(client, world.db, settings, county, "cambridgeshire")
    elsewhere = "/s/cambridgeshire/coordinator/referrals"
    assert (await client.get(f"{elsewhere}/{referral.id}")).status_code == 404
    stolen = await post(client, f"{elsewhere}/{referral.id}/withdraw", {"version": "1", "note": "Taken"})
    assert stolen.status_code == 404
    assert str(referral.reference) not in stolen.text
    assert await state_of(world, referral.id) == State.submitted

    await coordinator(client, world, settings)
    assert (await client.get(f"{BASE}/referrals/{draft.id}")).status_code == 404
    assert (await client.get(f"{BASE}/referrals/{uuid.uuid4()}")).status_code == 404
    unknown_step = await post(client, f"{BASE}/referrals/{referral.id}/approve", {"version": "1"})
    assert unknown_step.status_code == 404


async def test_other_roles_are_refused(client: Client, world: World, settings: Settings) -> None:
    referral = await world.submitted(world.domestic_abuse())
    admin = await make_actor(world.db, LONDON, "coordinator", Role.scheme_admin)
    for person in (world.officer, world.camden, world.assessor, admin):
        await act_as(client, world.db, settings, person)
        for path in ("/", "/referrals", f"/referrals/{referral.id}", "/batch"):
            assert (await client.get(f"{BASE}{path}")).status_code == 403, (person.role, path)
        refused = await post(client, f"{BASE}/referrals/{referral.id}/request-approval", {"version": "1"})
        assert refused.status_code == 403
        assert (await post(client, f"{BASE}/batch")).status_code == 403
    assert await state_of(world, referral.id) == State.submitted
