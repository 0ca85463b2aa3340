"""Viewings of the offered property: a date, and an outcome (viewed, did not attend, rearranged), each with who
recorded it and when, by the nominating officer or the coordinator. A missing outcome is there for a reminder to
chase (ix_viewings_awaiting_outcome)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.services import Actor
from reciprocal.kernel.dates import UK_TIME, govuk_date
from reciprocal.kernel.fields import date_from_parts
from reciprocal.referrals.models import Offer, Referral, Viewing, ViewingOutcome
from reciprocal.referrals.offers import offer_for_update
from reciprocal.referrals.services import InvalidReferral, apply_step, load_for_change
from reciprocal.referrals.workflow import Action, Transition, TransitionRefused, transition

OUTCOMES = {
    ViewingOutcome.viewed: "The applicant viewed the property",
    ViewingOutcome.did_not_attend: "The applicant did not attend",
    ViewingOutcome.rearranged: "The viewing was rearranged",
}


def viewing_date(day: str, month: str, year: str) -> date:
    """A viewing's date as its form's three fields give it; InvalidReferral naming the field otherwise."""
    try:
        on = date_from_parts(day, month, year)
    except ValueError:
        raise InvalidReferral([("viewing_on", "The viewing's date must be a real date, like 14 12 2026")]) from None
    if on is None:
        raise InvalidReferral([("viewing_on", "Enter the viewing's date, with a day, month and year")])
    return on


async def latest_viewing(db: AsyncSession, tenant_id: uuid.UUID, offer_id: uuid.UUID) -> Viewing | None:
    """The viewing that counts: the latest given (by ix_viewings_offer)."""
    return await db.scalar(
        select(Viewing)
        .where(Viewing.tenant_id == tenant_id, Viewing.offer_id == offer_id)
        .order_by(Viewing.created_at.desc(), Viewing.id.desc())
        .limit(1)
    )


async def _locked(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int
) -> tuple[Referral, Offer, Transition]:
    referral = await load_for_change(db, actor, referral_id, version=version)
    step = transition(referral.state, Action.record_viewing, actor.role)
    return referral, await offer_for_update(db, referral), step


async def record_viewing_date(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, on: date, version: int
) -> Viewing:
    """The viewing's date: a new viewing, or a new date for the one not yet held. A property already viewed
    waits for the applicant's decision instead."""
    referral, offer, step = await _locked(db, actor, referral_id, version)
    if on < offer.created_at.astimezone(UK_TIME).date():
        raise InvalidReferral([("viewing_on", "Enter a date on or after the day the property was offered")])
    latest = await latest_viewing(db, referral.tenant_id, offer.id)
    if latest is not None and latest.outcome == ViewingOutcome.viewed:
        raise TransitionRefused("The applicant has viewed the property: record their decision.")
    if latest is not None and latest.outcome is None:
        latest.viewing_on, latest.recorded_by_id = on, actor.user_id
        viewing = latest
    else:
        viewing = Viewing(tenant_id=referral.tenant_id, offer_id=offer.id, viewing_on=on, recorded_by_id=actor.user_id)
        db.add(viewing)
    apply_step(db, actor, referral, step.target, step.event, offer=str(offer.id), on=on.isoformat())
    await db.flush()
    return viewing


async def record_viewing_outcome(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, outcome: str, today: date, version: int
) -> Viewing:
    """What happened at the viewing. Viewed or not attended only once its day has come."""
    if outcome not in {o.value for o in ViewingOutcome}:
        raise InvalidReferral([("outcome", "Select what happened at the viewing")])
    referral, offer, step = await _locked(db, actor, referral_id, version)
    latest = await latest_viewing(db, referral.tenant_id, offer.id)
    if latest is None or latest.outcome is not None:
        raise InvalidReferral([("outcome", "Give the viewing's date first")])
    chosen = ViewingOutcome(outcome)
    if chosen != ViewingOutcome.rearranged and latest.viewing_on > today:
        when = govuk_date(latest.viewing_on)
        raise InvalidReferral([("outcome", f"The viewing is on {when}: record what happened once it has")])
    latest.outcome, latest.outcome_by_id, latest.outcome_at = chosen, actor.user_id, func.now()
    apply_step(db, actor, referral, step.target, step.event, offer=str(offer.id), outcome=outcome)
    await db.flush()
    return latest


@dataclass(frozen=True)
class ViewingWords:
    on: date
    outcome: str | None
    recorded_at: datetime


async def viewing_of(db: AsyncSession, referral: Referral, offer_id: uuid.UUID | None) -> ViewingWords | None:
    """The latest viewing of the offer being pursued, in words, for the referral's pages."""
    if offer_id is None:
        return None
    latest = await latest_viewing(db, referral.tenant_id, offer_id)
    if latest is None:
        return None
    return ViewingWords(latest.viewing_on, OUTCOMES[latest.outcome] if latest.outcome else None, latest.created_at)
