"""Offers side by side where the criteria do not cap them at one: several stand while the referral circulates, the
nominating officer chooses one and the others are released (their named leads told); the officer records the
applicant's decision and the viewing's date and outcome, the coordinator confirms or queries. Two schemes: Pan
London's serious violence and the county's, neither capped."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from people import actor, area_ids
from reciprocal.audit.models import AuditEvent
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel import dates
from reciprocal.notifications.handoffs import who_is_told
from reciprocal.portals.coordinator.offers import assessments_outstanding, offers_view
from reciprocal.portals.named_lead.queries import REVIEWING, CirculatedReferral, circulated_referral
from reciprocal.referrals import decisions, offers, viewings
from reciprocal.referrals import services as referrals
from reciprocal.referrals.fit import Property
from reciprocal.referrals.models import Offer, OfferState, Referral, Viewing, ViewingOutcome
from reciprocal.referrals.workflow import Action, State, TransitionRefused
from support.world import KEYS, County, World

Leads = list[tuple[Actor, Property]]


async def uncapped(w: World) -> tuple[Referral, Leads]:
    """A serious violence referral naming the scheme's risk assessor, circulating; two partners with a home for it."""
    answers = replace(
        w.domestic_abuse(),
        risk_type="serious_violence",
        safe_area_ids=frozenset(),
        risk_assessor_id=w.assessor.user_id,
    )
    referral = await w.circulating(answers)
    if isinstance(w, County):
        (fenland,) = await area_ids(w.db, w.scheme.id, "fenland")
        other = await actor(w.db, w.scheme.slug, "fenland-council", Role.named_lead)
        return referral, [(w.partner, w.home()), (other, replace(w.home(), area_id=fenland))]
    brent_flat = replace(w.islington_flat(), area_id=w.brent_area, address="Flat 8, 2 Example Mews")
    return referral, [(w.islington, w.islington_flat()), (w.brent, brent_flat)]


async def offer(w: World, referral: Referral, lead: Actor, home: Property) -> str:
    try:
        await w.run(offers.make_offer, lead, KEYS, referral.id, home, version=referral.version)
    except TransitionRefused as refused:
        return refused.message
    return "offered"


async def offers_of(w: World, referral_id: uuid.UUID) -> list[Offer]:
    async with w.db.tenant_session(w.scheme.id) as session:
        return list(
            await session.scalars(select(Offer).where(Offer.referral_id == referral_id).order_by(Offer.created_at))
        )


async def both_offered(w: World) -> tuple[Referral, Leads, list[Offer]]:
    referral, leads = await uncapped(w)
    for lead, home in leads:
        assert await offer(w, referral, lead, home) == "offered"
    return await w.referral(referral.id), leads, await offers_of(w, referral.id)


async def test_offers_stand_side_by_side_where_uncapped_even_made_at_once(each_world: World) -> None:
    w = each_world
    referral, leads = await uncapped(w)
    made = await asyncio.gather(*(offer(w, referral, lead, home) for lead, home in leads))
    assert made == ["offered", "offered"]
    standing = await offers_of(w, referral.id)
    assert [o.state for o in standing] == [OfferState.open, OfferState.open]
    assert {o.organisation_id for o in standing} == {lead.organisation_id for lead, _ in leads}
    after = await w.referral(referral.id)
    assert after.state == State.circulating, "it keeps circulating until the officer chooses"
    assert after.offered_at is not None
    # A partner holds one live offer for a referral at a time, and sees it waits for the officer's choice.
    lead, home = leads[0]
    assert await offer(w, after, lead, home) == offers.ALREADY_OURS
    async with w.db.tenant_session(w.scheme.id) as session:
        seen = await circulated_referral(session, lead, referral.id)
    assert isinstance(seen, CirculatedReferral)
    assert seen.own_offer is not None
    assert seen.own_offer.stage == REVIEWING
    assert not seen.open_for_offers


async def test_one_partner_offering_ten_times_at_once_holds_one_offer(world: World) -> None:
    referral, leads = await uncapped(world)
    lead, home = leads[0]
    made = Counter(await asyncio.gather(*(offer(world, referral, lead, home) for _ in range(10))))
    assert made == {"offered": 1, offers.ALREADY_OURS: 9}
    assert len(await offers_of(world, referral.id)) == 1


async def test_the_officer_chooses_one_and_the_others_are_released_and_told(each_world: World) -> None:
    w = each_world
    referral, leads, made = await both_offered(w)
    with pytest.raises(referrals.InvalidReferral) as invalid:
        await w.run(decisions.choose_offer, w.officer, referral.id, uuid.uuid4(), version=referral.version)
    assert dict(invalid.value.problems) == {"offer_id": "Select the property the applicant wants to pursue"}
    other = await (World if isinstance(w, County) else County)(w.db).build()
    with pytest.raises(referrals.ReferralNotFound):
        await other.run(decisions.choose_offer, other.officer, referral.id, made[1].id, version=referral.version)
    with pytest.raises(TransitionRefused, match="Only the nominating officer"):
        await w.run(decisions.choose_offer, w.coordinator, referral.id, made[1].id, version=referral.version)

    await w.run(decisions.choose_offer, w.officer, referral.id, made[1].id, version=referral.version)
    released, chosen = await offers_of(w, referral.id)
    assert (chosen.state, released.state) == (OfferState.open, OfferState.released)
    assert chosen.chosen_at is not None
    assert chosen.address_encrypted is not None
    assert released.address_encrypted is None, "a released offer's address is forgotten"
    assert (await w.referral(referral.id)).state == State.offer_made

    async with w.db.tenant_session(w.scheme.id) as session:
        step = await session.scalar(
            select(AuditEvent).where(AuditEvent.subject_id == referral.id, AuditEvent.action == "referral.choose_offer")
        )
        assert step is not None
        assert step.actor_user_id == w.officer.user_id
        told = await who_is_told(session, step, await w.referral(referral.id))
    kinds = {(t.user_id, t.kind) for t in told}
    assert (leads[0][0].user_id, "offer_released") in kinds
    assert (w.coordinator.user_id, "offer_chosen") in kinds
    assert (w.assessor.user_id, "assessment_needed") in kinds
    assert leads[1][0].user_id not in {t.user_id for t in told}, "the chosen partner hears at the viewing"

    # Under offer now: no further offer, and the viewing is arranged with the chosen partner only.
    late = await w.referral(referral.id)
    assert await offer(w, late, leads[0][0], leads[0][1]) == offers.ALREADY_OFFERED
    await w.run(offers.arrange_viewing, w.coordinator, referral.id, version=late.version)
    async with w.db.tenant_session(w.scheme.id) as session:
        step = await session.scalar(
            select(AuditEvent).where(
                AuditEvent.subject_id == referral.id, AuditEvent.action == "referral.arrange_viewing"
            )
        )
        assert step is not None
        told = await who_is_told(session, step, await w.referral(referral.id))
    assert leads[1][0].user_id in {t.user_id for t in told}
    assert leads[0][0].user_id not in {t.user_id for t in told}

    # Nor is the released partner told of what follows: the referral withdrawn, say.
    referral = await w.referral(referral.id)
    await w.run(referrals.act, w.officer, referral.id, Action.withdraw, version=referral.version)
    async with w.db.tenant_session(w.scheme.id) as session:
        step = await session.scalar(
            select(AuditEvent).where(AuditEvent.subject_id == referral.id, AuditEvent.action == "referral.withdraw")
        )
        assert step is not None
        told = await who_is_told(session, step, await w.referral(referral.id))
    assert leads[1][0].user_id in {t.user_id for t in told}
    assert leads[0][0].user_id not in {t.user_id for t in told}


async def test_withdrawing_a_referral_ends_the_offers_standing(world: World) -> None:
    referral, _, _ = await both_offered(world)
    await world.run(referrals.act, world.officer, referral.id, Action.withdraw, version=referral.version)
    assert [(o.state, o.address_encrypted) for o in await offers_of(world, referral.id)] == [
        (OfferState.withdrawn, None),
        (OfferState.withdrawn, None),
    ]


async def under_viewing(w: World) -> Referral:
    referral, _, made = await both_offered(w)
    await w.run(decisions.choose_offer, w.officer, referral.id, made[0].id, version=referral.version)
    referral = await w.referral(referral.id)
    await w.run(offers.arrange_viewing, w.coordinator, referral.id, version=referral.version)
    return await w.referral(referral.id)


async def test_the_officer_records_a_refusal_and_the_coordinator_queries_then_confirms_it(each_world: World) -> None:
    w = each_world
    referral = await under_viewing(w)
    for decision, reason, field in (("", "", "decision"), ("refuse", "", "reason"), ("refuse", "bored", "reason")):
        with pytest.raises(referrals.InvalidReferral) as invalid:
            await w.run(
                decisions.record_decision,
                w.officer,
                referral.id,
                decision=decision,
                reason=reason,
                version=referral.version,
            )
        assert list(dict(invalid.value.problems)) == [field]
    with pytest.raises(TransitionRefused, match="Only the nominating officer"):
        await w.run(
            decisions.record_decision,
            w.coordinator,
            referral.id,
            decision="refuse",
            reason="other",
            version=referral.version,
        )
    [pursued] = [o for o in await offers_of(w, referral.id) if o.state == OfferState.viewing]
    assert pursued.decision is None, "nothing was recorded by the refused attempts"

    await w.run(
        decisions.record_decision, w.officer, referral.id, decision="refuse", reason="other", version=referral.version
    )
    referral = await w.referral(referral.id)
    with pytest.raises(referrals.InvalidReferral):
        await w.run(decisions.query_decision, w.coordinator, referral.id, note=" ", version=referral.version)
    await w.run(
        decisions.query_decision,
        w.coordinator,
        referral.id,
        note="Check the reason with the applicant",
        version=referral.version,
    )
    [pursued] = [o for o in await offers_of(w, referral.id) if o.state == OfferState.viewing]
    assert (pursued.decision, pursued.decision_query) == (None, "Check the reason with the applicant")
    referral = await w.referral(referral.id)
    assert referral.state == State.viewing
    with pytest.raises(TransitionRefused, match="has not recorded"):
        await w.run(decisions.confirm_decision, w.coordinator, referral.id, version=referral.version)

    await w.run(
        decisions.record_decision, w.officer, referral.id, decision="refuse", reason="other", version=referral.version
    )
    referral = await w.referral(referral.id)
    [pursued] = [o for o in await offers_of(w, referral.id) if o.state == OfferState.viewing]
    assert (pursued.decision, pursued.decided_by_id, pursued.decision_query) == ("refuse", w.officer.user_id, "")
    await w.run(decisions.confirm_decision, w.coordinator, referral.id, version=referral.version)
    # The refusal rule applies as when the coordinator records a refusal: Pan London withdraws a referral whose
    # applicant refuses a suitable offer for another reason; the county lets the applicant refuse.
    async with w.db.tenant_session(w.scheme.id) as session:
        criteria = await referrals.criteria_of(session, referral)
    assert criteria is not None
    expected = State.withdrawn if criteria.refusal.withdraw_on_unjustified_refusal else State.circulating
    assert (await w.referral(referral.id)).state == expected
    refused = [o for o in await offers_of(w, referral.id) if o.id == pursued.id]
    assert (refused[0].state, refused[0].refusal_reason) == (OfferState.refused, "other")


async def test_a_viewing_has_a_date_and_an_outcome_with_who_and_when(each_world: World) -> None:
    w = each_world
    referral = await under_viewing(w)
    for parts in (("31", "2", "2027"), ("1", "", "2027"), ("x", "1", "2027")):
        with pytest.raises(referrals.InvalidReferral) as invalid:
            viewings.viewing_date(*parts)
        assert list(dict(invalid.value.problems)) == ["viewing_on"]
    today = dates.today()
    with pytest.raises(referrals.InvalidReferral):
        await w.run(
            viewings.record_viewing_date,
            w.officer,
            referral.id,
            on=today - timedelta(days=30),
            version=referral.version,
        )
    with pytest.raises(referrals.InvalidReferral) as no_date:
        await w.run(
            viewings.record_viewing_outcome,
            w.officer,
            referral.id,
            outcome="viewed",
            today=today,
            version=referral.version,
        )
    assert dict(no_date.value.problems) == {"outcome": "Give the viewing's date first"}

    tomorrow = today + timedelta(days=1)
    await w.run(viewings.record_viewing_date, w.officer, referral.id, on=tomorrow, version=referral.version)
    referral = await w.referral(referral.id)
    with pytest.raises(referrals.InvalidReferral) as invalid:
        await w.run(
            viewings.record_viewing_outcome,
            w.officer,
            referral.id,
            outcome="viewed",
            today=today,
            version=referral.version,
        )
    assert "record what happened once it has" in dict(invalid.value.problems)["outcome"]
    await w.run(
        viewings.record_viewing_outcome,
        w.coordinator,
        referral.id,
        outcome="rearranged",
        today=today,
        version=referral.version,
    )
    referral = await w.referral(referral.id)
    await w.run(viewings.record_viewing_date, w.coordinator, referral.id, on=today, version=referral.version)
    referral = await w.referral(referral.id)
    await w.run(
        viewings.record_viewing_outcome,
        w.officer,
        referral.id,
        outcome="viewed",
        today=today,
        version=referral.version,
    )
    referral = await w.referral(referral.id)
    with pytest.raises(TransitionRefused, match="has viewed the property"):
        await w.run(viewings.record_viewing_date, w.officer, referral.id, on=today, version=referral.version)

    async with w.db.tenant_session(w.scheme.id) as session:
        rows = list(await session.scalars(select(Viewing).order_by(Viewing.created_at)))
    assert [(v.viewing_on, v.outcome) for v in rows] == [
        (tomorrow, ViewingOutcome.rearranged),
        (today, ViewingOutcome.viewed),
    ]
    assert [(v.recorded_by_id, v.outcome_by_id) for v in rows] == [
        (w.officer.user_id, w.coordinator.user_id),
        (w.coordinator.user_id, w.officer.user_id),
    ]
    assert all(v.outcome_at is not None for v in rows)


async def test_the_risk_assessments_state_and_the_count_outstanding(each_world: World) -> None:
    w = each_world
    other = await (World if isinstance(w, County) else County)(w.db).build()
    await under_viewing(other)  # another scheme's outstanding assessment is never counted here
    referral, _, made = await both_offered(w)

    async def state_and_count() -> tuple[str | None, int]:
        async with w.db.tenant_session(w.scheme.id) as session:
            found = await session.get(Referral, (w.scheme.id, referral.id))
            assert found is not None
            view = await offers_view(session, found, await offers.live_offer(session, found))
            return view.risk_state, (await assessments_outstanding(session, w.scheme.id)).count

    assert await state_and_count() == (None, 0), "nothing to assess before the officer chooses"
    await w.run(decisions.choose_offer, w.officer, referral.id, made[0].id, version=referral.version)
    assert await state_and_count() == ("requested", 1)
    await w.run(offers.record_risk_assessment, w.assessor, referral.id, risk_identified=True, notes="")
    assert await state_and_count() == ("risk_identified", 0)
    await w.run(offers.record_risk_assessment, w.assessor, referral.id, risk_identified=False, notes="")
    assert await state_and_count() == ("recorded", 0)


async def test_the_applicant_accepts_once_a_viewing_is_arranged(world: World) -> None:
    referral, _, made = await both_offered(world)
    await world.run(decisions.choose_offer, world.officer, referral.id, made[0].id, version=referral.version)
    referral = await world.referral(referral.id)
    with pytest.raises(TransitionRefused, match="once a viewing is arranged"):
        await world.run(
            decisions.record_decision,
            world.officer,
            referral.id,
            decision="accept",
            reason="",
            version=referral.version,
        )
    await world.run(offers.arrange_viewing, world.coordinator, referral.id, version=referral.version)
    await world.run(offers.record_risk_assessment, world.assessor, referral.id, risk_identified=False, notes="")
    referral = await world.referral(referral.id)
    await world.run(
        decisions.record_decision, world.officer, referral.id, decision="accept", reason="", version=referral.version
    )
    referral = await world.referral(referral.id)
    await world.run(decisions.confirm_decision, world.coordinator, referral.id, version=referral.version)
    assert (await world.referral(referral.id)).state == State.accepted
