"""`reciprocal demo`'s referrals: every state, a balanced ledger, made once through the services, naming no one."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.identity.models import Membership, Role, User
from reciprocal.identity.secrets import Keys
from reciprocal.kernel.text import identifiers_in
from reciprocal.ledger.models import LedgerEntry
from reciprocal.ledger.services import balances
from reciprocal.provisioning import demo_referrals, demo_seeder
from reciprocal.provisioning.demo import load_demo
from reciprocal.provisioning.demo_referrals import load_demo_referrals
from reciprocal.provisioning.demo_seeder import demo_actor
from reciprocal.referrals.models import Offer, OfferState, Referral, RiskAssessment
from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.referrals.services import ReferralNotFound, get_referral
from reciprocal.referrals.workflow import State
from reciprocal.settings import Settings
from support import demo_scheme, scheme_id

ISSUER = "http://127.0.0.1:8001"
EVERY_STATE = {
    State.draft,
    State.submitted,
    State.returned,
    State.awaiting_approval,
    State.approved,
    State.circulating,
    State.offer_made,
    State.viewing,
    State.accepted,
    State.moved,
    State.withdrawn,
    State.ineligible,
    State.declined,
}


async def snapshot(db: Database, tenant_id: uuid.UUID) -> tuple[Counter[State], int, int, int]:
    """Referrals by state, and how many audit events, ledger entries and users the scheme holds."""
    async with db.tenant_session(tenant_id) as session:
        states = Counter(await session.scalars(select(Referral.state)))
        events = await session.scalar(select(func.count()).select_from(AuditEvent))
        entries = await session.scalar(select(func.count()).select_from(LedgerEntry))
        users = await session.scalar(select(func.count()).select_from(User))
    return states, events or 0, entries or 0, users or 0


@pytest.fixture
def keys(settings: Settings) -> Keys:
    return Keys(settings.require_secret_key())


async def test_the_demo_scheme_holds_referrals_in_every_state_once(db: Database, keys: Keys) -> None:
    await load_demo(db, demo_scheme("pan-london"), keys, issuer=ISSUER)
    tenant_id = await scheme_id(db, "pan-london")
    states, events, entries, users = await snapshot(db, tenant_id)

    assert set(states) >= EVERY_STATE, EVERY_STATE - set(states)
    assert states[State.circulating] >= 3
    assert states[State.moved] >= 2
    assert entries > 0

    async with db.tenant_session(tenant_id) as session:
        sheet = await balances(session, tenant_id)
        net: Counter[str] = Counter()
        for line in sheet:
            net[line.partner_name] += line.net
        assert sheet
        assert sum(line.net for line in sheet) == 0
        assert net["Camden Council"] == -1
        assert net["Islington Council"] == 1

    # Again, directly and through the demo's loader: nothing is added, nothing changes.
    assert await load_demo_referrals(db, tenant_id, "pan-london", keys) == 0
    await load_demo(db, demo_scheme("pan-london"), keys, issuer=ISSUER)
    assert await snapshot(db, tenant_id) == (states, events, entries, users)
    # The other scheme has no demo referrals.
    assert (await snapshot(db, await scheme_id(db, "cambridgeshire")))[0] == Counter()


async def test_the_demo_referrals_identify_no_one_and_were_made_by_the_demo_people(db: Database, keys: Keys) -> None:
    await load_demo(db, demo_scheme("pan-london"), keys, issuer=ISSUER)
    tenant_id = await scheme_id(db, "pan-london")
    async with db.tenant_session(tenant_id) as session:
        made = list(await session.scalars(select(Referral)))
        texts = [
            value
            for referral in made
            for value in (
                *(getattr(referral, name) for name in ReferralAnswers.FREE_TEXT),
                referral.note,
                referral.officer_case_reference,
            )
        ]
        texts += list(await session.scalars(select(Offer.accessibility)))
        texts += list(await session.scalars(select(RiskAssessment.notes)))
        assert [t for t in texts if identifiers_in(t)] == []
        assert all(r.officer_case_reference.startswith("SS-") for r in made)
        assert {r.note != "" for r in made if r.state in (State.returned, State.ineligible, State.declined)} == {True}

        # Every change was made by a person, in a role, for an organisation: the audit trail is real.
        started = list(await session.scalars(select(AuditEvent).where(AuditEvent.action == "referral.started")))
        officer = await demo_actor(
            session, tenant_id, "ana.ferreira@safesteps.example", "safe-steps-london", Role.nominating_officer
        )
        assert len(started) == len(made)
        assert {(e.actor_user_id, e.actor_role) for e in started} == {(officer.user_id, "nominating_officer")}
        unattributed = await session.scalar(
            select(func.count()).where(AuditEvent.subject_type == "referral", AuditEvent.actor_user_id.is_(None))
        )
        assert unattributed == 0

        # Priya sees some circulating referrals (Camden's borough, or none named) and not others.
        priya = await demo_actor(session, tenant_id, "priya.shah@camden.example", "camden-council", Role.named_lead)
        seen = []
        for referral in (r for r in made if r.state == State.circulating):
            try:
                await get_referral(session, priya, referral.id, for_update=False)
                seen.append(True)
            except ReferralNotFound:
                seen.append(False)
        assert set(seen) == {True, False}
        awaiting = [r for r in made if r.state == State.awaiting_approval]
        assert all(r.current_landlord_id == priya.organisation_id for r in awaiting)

        # Dev assesses a circulating serious violence referral, and Camden's offer awaits his assessment.
        dev = await demo_actor(
            session, tenant_id, "dev.mistry@youthfutures.example", "youth-futures", Role.risk_assessor
        )
        assert any(r.state == State.circulating and r.risk_assessor_id == dev.user_id for r in made)
        under_offer = [r for r in made if r.state == State.offer_made and r.risk_assessor_id == dev.user_id]
        assert under_offer
        offer = await session.scalar(select(Offer).where(Offer.referral_id == under_offer[0].id))
        assert offer is not None
        assert (offer.organisation_id, offer.state) == (priya.organisation_id, OfferState.open)
        assessed = await session.scalar(
            select(func.count()).select_from(RiskAssessment).where(RiskAssessment.offer_id == offer.id)
        )
        assert assessed == 0

        # Only demo.toml's people can sign in: the partner staff in the history hold no role now.
        members = set(
            await session.scalars(select(User.email).join(Membership, Membership.user_id == User.id).distinct())
        )
        assert members == {person.email for person in demo_scheme("pan-london").demo.person}


async def test_a_failure_keeps_nothing_and_the_demo_still_loads(
    db: Database, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def half_then_fail(seeder: demo_seeder.Seeder) -> None:
        await seeder.drafted(ReferralAnswers(), "SS-0001")
        raise RuntimeError("something went wrong")

    monkeypatch.setitem(demo_referrals.PLANS, "pan-london", half_then_fail)
    await load_demo(db, demo_scheme("pan-london"), keys, issuer=ISSUER)
    tenant_id = await scheme_id(db, "pan-london")
    states, _, entries, users = await snapshot(db, tenant_id)
    assert (states, entries, users) == (Counter(), 0, len(demo_scheme("pan-london").demo.person))
    # The next start tries again.
    monkeypatch.undo()
    await load_demo(db, demo_scheme("pan-london"), keys, issuer=ISSUER)
    assert State.moved in (await snapshot(db, tenant_id))[0]
