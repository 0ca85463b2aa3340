"""The toolkit's two journeys and the rules around them, through the services on real PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text

from people import actor, organisation_id
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.ledger.models import LedgerEntry
from reciprocal.ledger.services import balances, correct
from reciprocal.referrals import offers
from reciprocal.referrals import services as referrals
from reciprocal.referrals.fit import Property
from reciprocal.referrals.models import Offer
from reciprocal.referrals.workflow import Action, State, TransitionRefused
from support.world import KEYS, World


async def test_domestic_abuse_referral_from_draft_to_move_updates_the_ledger(world: World) -> None:
    referral = await world.submitted(world.domestic_abuse())
    assert referral.state == State.submitted
    assert referral.reference is not None
    assert referral.reference.startswith(f"PL-{datetime.now(UTC).year}-")
    assert referral.criteria_version == 1

    referral = await world.circulating(world.domestic_abuse())
    assert referral.state == State.circulating
    offer = await world.run(
        offers.make_offer, world.islington, KEYS, referral.id, world.islington_flat(), version=referral.version
    )
    referral = await world.referral(referral.id)
    assert referral.state == State.offer_made
    await world.run(offers.arrange_viewing, world.coordinator, referral.id, version=referral.version)
    referral = await world.referral(referral.id)
    await world.run(offers.accept, world.coordinator, referral.id, version=referral.version)
    referral = await world.referral(referral.id)
    await world.run(
        offers.record_move,
        world.coordinator,
        referral.id,
        moved_on=date(2026, 12, 15),
        bedrooms=2,
        version=referral.version,
    )
    referral = await world.referral(referral.id)
    assert referral.state == State.moved

    async with world.db.tenant_session(world.scheme.id) as session:
        sheet = {(b.partner_name, b.bedrooms): b.net for b in await balances(session, world.scheme.id)}
        moved_offer = await session.get(Offer, (world.scheme.id, offer.id))
    assert sheet == {("Camden Council", 2): -1, ("Islington Council", 2): 1}
    assert sum(sheet.values()) == 0
    assert moved_offer is not None
    assert moved_offer.address_encrypted is None  # the platform never keeps where the applicant now lives


async def test_serious_violence_needs_a_risk_assessment_before_acceptance(world: World) -> None:
    answers = replace(
        world.domestic_abuse(),
        risk_type="serious_violence",
        safe_area_ids=frozenset(),
        risk_assessor_id=world.assessor.user_id,
    )
    referral = await world.circulating(answers)
    offer_area = replace(world.islington_flat(), area_id=world.islington_area)
    await world.run(offers.make_offer, world.islington, KEYS, referral.id, offer_area, version=referral.version)
    referral = await world.chosen(referral.id)  # serious violence: offers side by side, chosen by the officer
    await world.run(offers.arrange_viewing, world.coordinator, referral.id, version=referral.version)
    referral = await world.referral(referral.id)
    with pytest.raises(TransitionRefused, match="before the risk assessment"):
        await world.run(offers.accept, world.coordinator, referral.id, version=referral.version)
    with pytest.raises(TransitionRefused, match="risk assessor"):
        await world.run(offers.record_risk_assessment, world.islington, referral.id, risk_identified=False, notes="")
    await world.run(
        offers.record_risk_assessment,
        world.assessor,
        referral.id,
        risk_identified=False,
        notes="No specific risk identified",
    )
    referral = await world.referral(referral.id)
    await world.run(offers.accept, world.coordinator, referral.id, version=referral.version)
    referral = await world.referral(referral.id)
    await world.run(
        offers.record_move,
        world.coordinator,
        referral.id,
        moved_on=date(2026, 12, 20),
        bedrooms=2,
        version=referral.version,
    )
    assert (await world.referral(referral.id)).state == State.moved


async def test_two_named_leads_offering_at_once_get_exactly_one_offer(world: World) -> None:
    referral = await world.circulating(world.domestic_abuse())
    brent_flat = replace(world.islington_flat(), area_id=world.brent_area)

    async def offer(lead: Actor, prop: Property) -> str:
        try:
            await world.run(offers.make_offer, lead, KEYS, referral.id, prop, version=referral.version)
        except TransitionRefused as refused:
            return refused.message
        except referrals.StaleReferral:
            return "stale"
        return "offered"

    results = await asyncio.gather(offer(world.islington, world.islington_flat()), offer(world.brent, brent_flat))
    assert sorted(results) == ["Another property has just been offered to this referral.", "offered"]
    async with world.db.tenant_session(world.scheme.id) as session:
        count = await session.scalar(select(func.count()).where(Offer.referral_id == referral.id))
    assert count == 1


async def test_an_offer_must_fit_the_referral(world: World) -> None:
    referral = await world.circulating(world.domestic_abuse())
    wrong_size = world.islington_flat(bedrooms=3)
    with pytest.raises(referrals.InvalidReferral) as invalid:
        await world.run(offers.make_offer, world.islington, KEYS, referral.id, wrong_size, version=referral.version)
    assert dict(invalid.value.problems) == {"bedrooms": "Offer a property with 2 bedrooms: like for like"}
    at_risk = replace(world.islington_flat(), area_id=world.barnet)
    with pytest.raises(referrals.InvalidReferral) as invalid:
        await world.run(offers.make_offer, world.islington, KEYS, referral.id, at_risk, version=referral.version)
    assert "at risk" in dict(invalid.value.problems)["area_id"]


async def test_an_offer_must_meet_an_evidenced_floor_level_need(world: World) -> None:
    """The offer form applies the rule the matching page finds homes by (offers.misfits): a ground floor, a house,
    or a lift named in the features; a floor level need without medical evidence asks for nothing."""
    answers = replace(world.domestic_abuse(), floor_level_need=True, medical_evidence=True)
    referral = await world.circulating(answers)
    no_lift = replace(world.islington_flat(), accessibility="Stairs only")
    with pytest.raises(referrals.InvalidReferral) as invalid:
        await world.run(offers.make_offer, world.islington, KEYS, referral.id, no_lift, version=referral.version)
    assert list(dict(invalid.value.problems)) == ["floor"]
    assert "ground floor or a lift" in dict(invalid.value.problems)["floor"]
    await world.run(
        offers.make_offer, world.islington, KEYS, referral.id, world.islington_flat(), version=referral.version
    )
    assert (await world.referral(referral.id)).state == State.offer_made


async def test_refusing_on_risk_recirculates_and_any_other_refusal_withdraws(world: World) -> None:
    for reason, expected in (("risk", State.circulating), ("other", State.withdrawn)):
        referral = await world.circulating(world.domestic_abuse())
        await world.run(
            offers.make_offer, world.islington, KEYS, referral.id, world.islington_flat(), version=referral.version
        )
        referral = await world.referral(referral.id)
        await world.run(offers.refuse, world.coordinator, referral.id, reason=reason, version=referral.version)
        assert (await world.referral(referral.id)).state == expected, reason


async def test_a_capped_referral_gets_no_second_offer(world: World) -> None:
    referral = await world.circulating(world.domestic_abuse())
    await world.run(
        offers.make_offer, world.islington, KEYS, referral.id, world.islington_flat(), version=referral.version
    )
    referral = await world.referral(referral.id)
    await world.run(offers.refuse, world.coordinator, referral.id, reason="unmet_need", version=referral.version)
    referral = await world.referral(referral.id)
    assert referral.state == State.circulating
    brent_flat = replace(world.islington_flat(), area_id=world.brent_area)
    with pytest.raises(TransitionRefused, match="all the offers the criteria allow"):
        await world.run(offers.make_offer, world.brent, KEYS, referral.id, brent_flat, version=referral.version)


async def test_a_landlord_over_the_debt_cap_has_new_referrals_held_until_it_reciprocates(world: World) -> None:
    # Camden's tenants move out four times (cap 3): Camden owes the pot four properties.
    for _ in range(4):
        await world.moved(world.domestic_abuse(), world.islington, world.islington_flat())
    held = await world.submitted(world.domestic_abuse())
    assert held.state == State.on_hold

    # Camden houses an Islington tenant: it reciprocates, and its held referral goes ahead.
    islington_tenant = replace(
        world.domestic_abuse(),
        current_landlord_id=await organisation_id(world.db, world.scheme.id, "islington-council"),
        current_area_id=world.islington_area,
        risk_area_ids=frozenset({world.islington_area}),
        safe_area_ids=frozenset({world.camden_area, world.brent_area, world.hackney, world.lewisham, world.southwark}),
    )
    camden_flat = replace(world.islington_flat(), area_id=world.camden_area)
    await world.moved(islington_tenant, world.camden, camden_flat, approver=world.islington)
    assert (await world.referral(held.id)).state == State.submitted


async def test_a_stale_form_is_refused(world: World) -> None:
    referral = await world.submitted(world.domestic_abuse())
    await world.run(referrals.act, world.coordinator, referral.id, Action.request_approval, version=referral.version)
    with pytest.raises(referrals.StaleReferral):
        await world.run(
            referrals.act,
            world.coordinator,
            referral.id,
            Action.mark_ineligible,
            version=referral.version,
            note="Not a social tenant",
        )


async def test_a_referral_of_another_organisation_or_scheme_is_not_found(world: World) -> None:
    referral = await world.submitted(world.domestic_abuse())
    other_agency = await actor(world.db, "pan-london", "open-door-advocacy", Role.nominating_officer)
    county = await actor(world.db, "cambridgeshire", "coordinator", Role.coordinator)
    with pytest.raises(referrals.ReferralNotFound):
        await world.run(referrals.get_referral, other_agency, referral.id, for_update=False)
    async with world.db.tenant_session(county.tenant_id) as session:
        with pytest.raises(referrals.ReferralNotFound):
            await referrals.get_referral(session, county, referral.id, for_update=False)
    # Islington is neither the landlord nor (before circulation) covering it.
    with pytest.raises(referrals.ReferralNotFound):
        await world.run(referrals.get_referral, world.islington, referral.id, for_update=False)


async def test_ledger_entries_are_never_updated_or_deleted_and_corrections_reverse(world: World) -> None:
    await world.moved(world.domestic_abuse(), world.islington, world.islington_flat())
    async with world.db.tenant_session(world.scheme.id) as session:
        entries = list(await session.scalars(select(LedgerEntry)))
    assert len(entries) == 2
    for statement in ("update ledger_entries set amount = 1", "delete from ledger_entries"):
        async with world.db.tenant_session(world.scheme.id) as session:
            with pytest.raises(Exception, match="permission denied"):
                await session.execute(text(statement))
    reversing = await world.run(correct, world.coordinator, entries[0].id, reason="Recorded against the wrong move")
    assert {r.reverses_id for r in reversing} == {e.id for e in entries}  # the whole move, both landlords
    async with world.db.tenant_session(world.scheme.id) as session:
        sheet = await balances(session, world.scheme.id)
        assert [(b.partner_name, b.owed, b.owing, b.net) for b in sheet] == [
            ("Camden Council", 1, 1, 0),
            ("Islington Council", 1, 1, 0),
        ]
        assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 4


async def test_withdrawing_a_referral_under_offer_ends_the_offer_and_forgets_the_address(world: World) -> None:
    referral = await world.circulating(world.domestic_abuse())
    offer = await world.run(
        offers.make_offer, world.islington, KEYS, referral.id, world.islington_flat(), version=referral.version
    )
    referral = await world.referral(referral.id)
    await world.run(
        referrals.act, world.officer, referral.id, Action.withdraw, version=referral.version, note="Moved privately"
    )
    async with world.db.tenant_session(world.scheme.id) as session:
        ended = await session.get(Offer, (world.scheme.id, offer.id))
    assert ended is not None
    assert ended.state == "withdrawn"
    assert ended.address_encrypted is None
    assert (await world.referral(referral.id)).state == State.withdrawn
