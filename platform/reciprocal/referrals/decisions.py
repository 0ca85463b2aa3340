"""The nominating officer's part in an offer: choosing among offers side by side, and recording the applicant's
decision, which the coordinator then confirms (the referral moves on, by offers.accept or offers.refuse and the
refusal rule there) or queries (sent back with a note)."""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.services import Actor
from reciprocal.referrals import offers
from reciprocal.referrals.models import Offer, OfferState, Referral
from reciprocal.referrals.services import InvalidReferral, apply_step, load_for_change
from reciprocal.referrals.workflow import TABLE, Action, State, TransitionRefused, transition

ACCEPT, REFUSE = "accept", "refuse"
DECISIONS = {ACCEPT: "The applicant accepts the offer", REFUSE: "The applicant refuses the offer"}


async def choose_offer(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, offer_id: uuid.UUID | None, *, version: int
) -> Offer:
    """The officer, having reviewed the offers with the applicant, chooses which to pursue. The referral is under
    offer from now on; every other offer is released (its address forgotten) and its named leads told."""
    referral = await load_for_change(db, actor, referral_id, version=version)
    step = transition(referral.state, Action.choose_offer, actor.role)
    standing = await offers.live_offers(db, referral, for_update=True)
    chosen = next((o for o in standing if o.id == offer_id), None)
    if chosen is None:
        raise InvalidReferral([("offer_id", "Select the property the applicant wants to pursue")])
    released = [o for o in standing if o is not chosen]
    for offer in released:
        offer.state = OfferState.released
        offer.address_encrypted = None
    chosen.chosen_at = func.now()
    apply_step(
        db,
        actor,
        referral,
        step.target,
        step.event,
        offer=str(chosen.id),
        released=",".join(str(o.id) for o in released),
    )
    await db.flush()
    return chosen


async def record_decision(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, decision: str, reason: str, version: int
) -> Offer:
    """The officer, who alone speaks with the applicant, records their decision on the offer being pursued: to
    accept it (once a viewing is arranged), or to refuse it with a reason from the refusal rule's list."""
    problems = []
    if decision not in DECISIONS:
        problems.append(("decision", "Select whether the applicant accepts or refuses the offer"))
    elif decision == REFUSE and reason not in offers.REFUSAL_REASONS:
        problems.append(("reason", "Select why the applicant refuses the offer"))
    if problems:
        raise InvalidReferral(problems)
    referral = await load_for_change(db, actor, referral_id, version=version)
    step = transition(referral.state, Action.record_decision, actor.role)
    if decision == ACCEPT and (referral.state, Action.accept) not in TABLE:
        raise TransitionRefused("The applicant can accept the offer once a viewing is arranged.")
    offer = await offers.offer_for_update(db, referral)
    offer.decision = decision
    offer.decision_reason = reason if decision == REFUSE else None
    offer.decided_by_id = actor.user_id
    offer.decided_at = func.now()
    offer.decision_query = ""
    details = {"offer": str(offer.id), "decision": decision} | ({"reason": reason} if decision == REFUSE else {})
    apply_step(db, actor, referral, step.target, step.event, **details)
    await db.flush()
    return offer


async def _recorded(db: AsyncSession, referral: Referral) -> Offer:
    offer = await offers.offer_for_update(db, referral)
    if offer.decision is None:
        raise TransitionRefused("The nominating officer has not recorded the applicant's decision.")
    return offer


async def confirm_decision(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, version: int) -> Referral:
    """The coordinator confirms the decision the officer recorded: an acceptance as offers.accept records one (the
    risk assessment's say included), a refusal as offers.refuse does (the scheme's refusal rule applied)."""
    referral = await load_for_change(db, actor, referral_id, version=version)
    offer = await _recorded(db, referral)
    if offer.decision == ACCEPT:
        await offers.accept(db, actor, referral_id, version=version)
    else:
        await offers.refuse(db, actor, referral_id, reason=offer.decision_reason or "", version=version)
    return referral


async def query_decision(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, note: str, version: int) -> Offer:
    """The coordinator sends the recorded decision back to the officer with a note (already checked to identify
    no one): the decision is cleared, to be recorded again."""
    if not note.strip():
        raise InvalidReferral([("note", "Enter what the nominating officer should check")])
    referral = await load_for_change(db, actor, referral_id, version=version)
    step = transition(referral.state, Action.query_decision, actor.role)
    offer = await _recorded(db, referral)
    queried = offer.decision or ""
    offer.decision = offer.decision_reason = offer.decided_by_id = offer.decided_at = None
    offer.decision_query = note.strip()
    apply_step(db, actor, referral, step.target, step.event, offer=str(offer.id), decision=queried)
    await db.flush()
    return offer


def decision_pending(state: State, offer: Offer | None) -> bool:
    """The coordinator has a recorded decision to confirm or query."""
    return offer is not None and offer.decision is not None and state in (State.offer_made, State.viewing)
