"""Offers and what follows: viewing, risk assessment, decision, and the move that posts the ledger."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.schemas import Criteria, RiskType
from reciprocal.criteria.services import criteria_at
from reciprocal.db.base import new_id
from reciprocal.identity.models import Role, User
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import Actor
from reciprocal.kernel import clock
from reciprocal.kernel.text import identifiers_in
from reciprocal.ledger.services import lock_accounts, partners_over_cap, post_move
from reciprocal.partners.models import Organisation
from reciprocal.referrals.circulation import areas_covered, places
from reciprocal.referrals.fit import Property, misfits
from reciprocal.referrals.models import LIVE_OFFER_STATES, Move, Offer, OfferState, Referral, RiskAssessment
from reciprocal.referrals.services import (
    InvalidReferral,
    StaleReferral,
    apply_step,
    get_referral,
    load_for_change,
)
from reciprocal.referrals.workflow import SYSTEM, Action, State, TransitionRefused, transition
from reciprocal.tenancy.models import Area

REFUSAL_REASONS = {
    "risk": "A risk declared in the referral, or found by the risk assessment",
    "unmet_need": "A physical, medical or wellbeing need the property cannot meet",
    "other": "Another reason",
}


async def _criteria(db: AsyncSession, referral: Referral) -> tuple[Criteria, RiskType]:
    assert referral.criteria_version is not None
    criteria = await criteria_at(db, referral.tenant_id, referral.criteria_version)
    risk = criteria.risk_type(referral.risk_type)
    assert risk is not None
    return criteria, risk


async def live_offer(db: AsyncSession, referral: Referral) -> Offer | None:
    """The offer being pursued: the only live one once the referral is under offer. (While offers stand side by
    side on a circulating referral, see live_offers.)"""
    offers = await live_offers(db, referral)
    return offers[0] if len(offers) == 1 else None


async def live_offers(db: AsyncSession, referral: Referral, *, for_update: bool = False) -> list[Offer]:
    """Every live offer of the referral, oldest first: several only where the criteria do not cap offers at one
    and the nominating officer has not yet chosen (by ix_offers_referral; a partner holds one at a time)."""
    query = (
        select(Offer)
        .where(
            Offer.tenant_id == referral.tenant_id,
            Offer.referral_id == referral.id,
            Offer.state.in_(LIVE_OFFER_STATES),
        )
        .order_by(Offer.created_at, Offer.id)
    )
    return list(await db.scalars(query.with_for_update() if for_update else query))


ALREADY_OFFERED = "Another property has just been offered to this referral."
ALREADY_OURS = "Your organisation has already offered a property for this referral."


def _not_under_offer(referral: Referral) -> None:
    """A second offer made at once finds the first one's: that, not a stale form, is what it is told."""
    if referral.state == State.offer_made:
        raise TransitionRefused(ALREADY_OFFERED)


def side_by_side(risk: RiskType) -> bool:
    """Offers stand side by side, for the nominating officer to choose from, unless the cap is one."""
    return risk.offers_cap != 1


async def make_offer(
    db: AsyncSession, actor: Actor, keys: Keys, referral_id: uuid.UUID, offer: Property, *, version: int
) -> Offer:
    """A named lead offers a property in their stock. It must fit the referral, and the offers cap.

    The referral row is locked for the check, so two named leads offering at once are served one after
    the other. Where the cap is one, the second finds the referral already under offer and is told so;
    where it is not, the second offer stands beside the first (the referral keeps circulating) until the
    nominating officer chooses one (choose_offer), as many as the cap allows.
    """
    if actor.role != Role.named_lead:
        raise TransitionRefused("Only a named lead can offer a property.")
    referral = await get_referral(db, actor, referral_id, for_update=True)
    _not_under_offer(referral)
    if referral.state != State.circulating:
        transition(referral.state, Action.make_offer, actor.role)  # says why not
    criteria, risk = await _criteria(db, referral)
    standing = await live_offers(db, referral)
    # A form rendered before another partner's offer stood beside it is not stale for this one: only the
    # offers cap, checked below, is changed by it.
    if referral.version != version and not standing:
        raise StaleReferral
    if any(o.organisation_id == actor.organisation_id for o in standing):
        raise TransitionRefused(ALREADY_OURS)
    step = transition(referral.state, Action.add_offer if side_by_side(risk) else Action.make_offer, actor.role)
    problems = await _fit(db, actor, referral, offer, criteria)
    if problems:
        raise InvalidReferral(problems)
    if risk.offers_cap is not None:
        made = await db.scalar(
            select(func.count()).where(
                Offer.tenant_id == referral.tenant_id,
                Offer.referral_id == referral.id,
                Offer.state.in_([OfferState.refused, *LIVE_OFFER_STATES]),
            )
        )
        if (made or 0) >= risk.offers_cap:
            raise TransitionRefused("This referral has had all the offers the criteria allow.")
    row = Offer(
        id=new_id(),
        tenant_id=referral.tenant_id,
        referral_id=referral.id,
        organisation_id=actor.organisation_id,
        offered_by_id=actor.user_id,
        area_id=offer.area_id,
        bedrooms=offer.bedrooms,
        floor=offer.floor,
        accessibility=offer.accessibility.strip(),
        available_from=offer.available_from,
        address_encrypted=keys.encrypt(offer.address.strip()),
    )
    db.add(row)
    if referral.offered_at is None:
        referral.offered_at = clock.now()  # the first offer, standing beside others or not
    apply_step(db, actor, referral, step.target, step.event, offer=str(row.id))
    await db.flush()
    return row


async def _fit(
    db: AsyncSession, actor: Actor, referral: Referral, offer: Property, criteria: Criteria
) -> list[tuple[str, str]]:
    named = await places(db, referral)
    covered = await areas_covered(db, actor.tenant_id, actor.organisation_id)
    need = referral.floor_level_need and referral.medical_evidence
    problems = misfits(offer, referral.bedrooms_needed, named, covered, criteria, floor_level_need=need)
    if not offer.address.strip():
        problems.append(("address", "Enter the property's address: only the nominating officer sees it, at viewing"))
    if identifiers_in(offer.accessibility):
        problems.append(("accessibility", "Describe features only: no contact details or postcodes"))
    return problems


async def offer_for_update(db: AsyncSession, referral: Referral) -> Offer:
    """The offer being pursued, locked: the one live offer of a referral under offer, at viewing or accepted."""
    offers = await live_offers(db, referral, for_update=True)
    if len(offers) != 1:
        raise TransitionRefused(
            "The nominating officer has not yet chosen which offer to pursue." if offers else NO_OFFER
        )
    return offers[0]


NO_OFFER = "This referral has no offer to act on."


async def arrange_viewing(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, version: int) -> Offer:
    """The coordinator links the officer and the named lead: contacts and the address are revealed to them."""
    referral = await load_for_change(db, actor, referral_id, version=version)
    step = transition(referral.state, Action.arrange_viewing, actor.role)
    offer = await offer_for_update(db, referral)
    offer.state = OfferState.viewing
    offer.linked_at = func.now()
    apply_step(db, actor, referral, step.target, step.event, offer=str(offer.id))
    await db.flush()
    return offer


async def record_risk_assessment(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, risk_identified: bool, notes: str
) -> RiskAssessment:
    """The named risk assessor's view of the offered area."""
    referral = await get_referral(db, actor, referral_id, for_update=True)
    if actor.role != Role.risk_assessor or referral.risk_assessor_id != actor.user_id:
        raise TransitionRefused("Only the referral's risk assessor can record its risk assessment.")
    if referral.state not in (State.offer_made, State.viewing):
        raise TransitionRefused("There is no offer to assess.")
    offer = await offer_for_update(db, referral)
    assessment = RiskAssessment(
        tenant_id=referral.tenant_id,
        offer_id=offer.id,
        assessor_id=actor.user_id,
        risk_identified=risk_identified,
        notes=notes.strip(),
    )
    db.add(assessment)
    apply_step(db, actor, referral, referral.state, "referral.risk_assessed", risk_identified=str(risk_identified))
    await db.flush()
    return assessment


async def accept(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, version: int) -> Offer:
    """The applicant accepts. Where the risk type needs an assessment, it must say no specific risk."""
    referral = await load_for_change(db, actor, referral_id, version=version)
    step = transition(referral.state, Action.accept, actor.role)
    offer = await offer_for_update(db, referral)
    _, risk = await _criteria(db, referral)
    if risk.risk_assessor_required:
        latest = await db.scalar(
            select(RiskAssessment)
            .where(RiskAssessment.tenant_id == referral.tenant_id, RiskAssessment.offer_id == offer.id)
            .order_by(RiskAssessment.recorded_at.desc())
            .limit(1)
        )
        if latest is None:
            raise TransitionRefused("The offer cannot be accepted before the risk assessment is recorded.")
        if latest.risk_identified:
            raise TransitionRefused("The risk assessment identified a risk: record a refusal on risk instead.")
    offer.state = OfferState.accepted
    apply_step(db, actor, referral, step.target, step.event, offer=str(offer.id))
    await db.flush()
    return offer


async def refuse(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, reason: str, version: int) -> Referral:
    """The applicant refuses the offer. The scheme's refusal rule decides what happens to the referral."""
    if reason not in REFUSAL_REASONS:
        raise InvalidReferral([("reason", "Select why the offer was refused")])
    referral = await load_for_change(db, actor, referral_id, version=version)
    criteria, _ = await _criteria(db, referral)
    justified = reason in criteria.refusal.allowed_reasons
    withdraw = criteria.refusal.withdraw_on_unjustified_refusal and not justified
    action = Action.refuse_and_withdraw if withdraw else Action.refuse_and_recirculate
    step = transition(referral.state, action, actor.role)
    offer = await offer_for_update(db, referral)
    offer.state = OfferState.refused
    offer.refusal_reason = reason
    offer.address_encrypted = None
    apply_step(db, actor, referral, step.target, step.event, reason=reason)
    await db.flush()
    return referral


async def release_holds(db: AsyncSession, scheme_id: uuid.UUID, criteria: Criteria) -> list[uuid.UUID]:
    """Referrals on hold whose landlord is no longer over the cap go back to the coordinator's queue."""
    over = await partners_over_cap(db, scheme_id, criteria.partner_debt_cap)
    held = list(
        await db.scalars(
            select(Referral)
            .where(Referral.tenant_id == scheme_id, Referral.state == State.on_hold)
            .order_by(Referral.id)  # one order for every locker, so two releases never deadlock
            .with_for_update()
        )
    )
    released = []
    for referral in held:
        if referral.current_landlord_id not in over:
            step = transition(referral.state, Action.release_hold, SYSTEM)
            apply_step(db, None, referral, step.target, step.event, reason="landlord_reciprocated")
            released.append(referral.id)
    return released


async def record_move(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, moved_on: date, bedrooms: int, version: int
) -> Move:
    """The move is done: the referral moves on, the ledger posts, and the address is forgotten, together."""
    referral = await load_for_change(db, actor, referral_id, version=version)
    step = transition(referral.state, Action.record_move, actor.role)
    offer = await offer_for_update(db, referral)
    criteria, _ = await _criteria(db, referral)
    assert referral.current_landlord_id is not None
    move = Move(
        tenant_id=referral.tenant_id,
        referral_id=referral.id,
        offer_id=offer.id,
        receiving_id=offer.organisation_id,
        sending_id=referral.current_landlord_id,
        area_id=offer.area_id,
        bedrooms=bedrooms,
        moved_on=moved_on,
    )
    db.add(move)
    await db.flush()
    # Both landlords' balances change: a hold being decided for either's tenant commits first, or waits
    # for this move and reads the new balance (referrals.services.submit).
    await lock_accounts(db, referral.tenant_id, [move.receiving_id, move.sending_id], to_change=True)
    post_move(
        db,
        referral.tenant_id,
        move_id=move.id,
        receiving=move.receiving_id,
        sending=move.sending_id,
        bedrooms=bedrooms,
        like_for_like=criteria.like_for_like_bedrooms,
    )
    offer.state = OfferState.moved
    offer.address_encrypted = None
    apply_step(db, actor, referral, step.target, step.event, move=str(move.id))
    await db.flush()
    # The receiving landlord has reciprocated: its tenants' held referrals may now go ahead.
    await release_holds(db, referral.tenant_id, criteria)
    return move


def revealed_address(offer: Offer, keys: Keys, *, viewer: Actor, referral: Referral) -> str | None:
    """The address, only for the referral's own nominating officer, and only once a viewing is arranged."""
    if (
        viewer.role == Role.nominating_officer
        and viewer.user_id == referral.officer_id
        and offer.state in (OfferState.viewing, OfferState.accepted)
        and offer.address_encrypted is not None
    ):
        return keys.decrypt(offer.address_encrypted)
    return None


@dataclass(frozen=True)
class Contact:
    """A professional's work contact, revealed to the other side once the coordinator links them."""

    name: str
    email: str
    organisation: str


async def _contact(db: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID, organisation_id: uuid.UUID) -> Contact:
    row = (
        await db.execute(
            select(User.display_name, User.email, Organisation.name)
            .join(Organisation, (Organisation.tenant_id == User.tenant_id) & (Organisation.id == organisation_id))
            .where(User.tenant_id == tenant_id, User.id == user_id)
        )
    ).one()
    return Contact(*row)


async def officer_contact(db: AsyncSession, referral: Referral, offer: Offer) -> Contact | None:
    """The nominating officer's contact, for the offering named lead, once linked."""
    if offer.linked_at is None:
        return None
    return await _contact(db, referral.tenant_id, referral.officer_id, referral.agency_id)


@dataclass(frozen=True)
class OfferForOfficer:
    """A live offer as the referral's nominating officer sees it: one, or several side by side to choose from."""

    id: uuid.UUID
    area_name: str
    landlord: str
    bedrooms: int
    floor: int | None
    accessibility: str
    available_from: date
    stage: str
    named_lead: Contact | None
    """Revealed once the coordinator links them."""
    address: str | None
    """Revealed only once a viewing is being arranged."""
    decision: str | None = None
    """The applicant's decision as the officer recorded it, waiting for the coordinator to confirm."""
    decision_reason: str | None = None
    decision_query: str = ""
    """The coordinator's note, when they sent a recorded decision back."""


STAGES = {"open": "Offered", "viewing": "Viewing being arranged", "accepted": "Accepted"}


async def offers_for_officer(db: AsyncSession, actor: Actor, keys: Keys, referral: Referral) -> list[OfferForOfficer]:
    """The referral's live offers, oldest first, for its agency's nominating officer (nobody else): area, size,
    floor, features and date, never the address until a viewing is arranged."""
    if actor.role != Role.nominating_officer or actor.organisation_id != referral.agency_id:
        return []
    offers = await live_offers(db, referral)
    if not offers:
        return []
    tenant_id = referral.tenant_id
    names = dict(
        (
            await db.execute(
                select(Area.id, Area.name)
                .where(Area.tenant_id == tenant_id, Area.id.in_({o.area_id for o in offers}))
                .union_all(
                    select(Organisation.id, Organisation.name).where(
                        Organisation.tenant_id == tenant_id, Organisation.id.in_({o.organisation_id for o in offers})
                    )
                )
            )
        ).all()
    )
    return [
        OfferForOfficer(
            id=offer.id,
            area_name=names[offer.area_id],
            landlord=names[offer.organisation_id],
            bedrooms=offer.bedrooms,
            floor=offer.floor,
            accessibility=offer.accessibility,
            available_from=offer.available_from,
            stage=STAGES[offer.state.value],
            named_lead=(
                await _contact(db, referral.tenant_id, offer.offered_by_id, offer.organisation_id)
                if offer.linked_at is not None
                else None
            ),
            address=revealed_address(offer, keys, viewer=actor, referral=referral),
            decision=offer.decision,
            decision_reason=offer.decision_reason,
            decision_query=offer.decision_query,
        )
        for offer in offers
    ]
