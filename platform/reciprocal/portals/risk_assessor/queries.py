"""What the risk assessor's pages read: offers on referrals naming them, the risk category and area only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.schemas import Criteria
from reciprocal.criteria.services import criteria_at
from reciprocal.identity.services import Actor
from reciprocal.referrals.models import Offer, OfferState, Referral, RiskAssessment
from reciprocal.referrals.services import ReferralNotFound
from reciprocal.referrals.workflow import State
from reciprocal.tenancy.models import Area


@dataclass(frozen=True)
class AssessmentRequest:
    """An offered property waiting for the risk assessor's view: the risk category and the area, nothing
    else about the household."""

    referral_id: uuid.UUID
    reference: str
    risk_label: str
    area_name: str
    offered_on: datetime
    risk_identified: bool | None
    """The latest assessment of this offer: None until one is recorded."""
    assessed_on: datetime | None


async def _requests(db: AsyncSession, actor: Actor, *where: ColumnElement[bool]) -> list[AssessmentRequest]:
    # The latest assessment of each offer listed, read per offer (ix_risk_assessments_offer): never a pass over
    # every assessment the scheme ever recorded.
    latest = (
        select(func.max(RiskAssessment.recorded_at).label("recorded_at"))
        .where(RiskAssessment.tenant_id == Offer.tenant_id, RiskAssessment.offer_id == Offer.id)
        .correlate(Offer)
        .lateral()
    )
    rows = (
        await db.execute(
            select(Referral, Area.name, Offer.created_at, RiskAssessment.risk_identified, RiskAssessment.recorded_at)
            .join(
                Offer,
                (Offer.tenant_id == Referral.tenant_id)
                & (Offer.referral_id == Referral.id)
                & Offer.state.in_([OfferState.open, OfferState.viewing]),
            )
            .join(Area, (Area.tenant_id == Offer.tenant_id) & (Area.id == Offer.area_id))
            .outerjoin(latest, true())
            .outerjoin(
                RiskAssessment,
                (RiskAssessment.tenant_id == Offer.tenant_id)
                & (RiskAssessment.offer_id == Offer.id)
                & (RiskAssessment.recorded_at == latest.c.recorded_at),
            )
            .where(
                Referral.tenant_id == actor.tenant_id,
                Referral.risk_assessor_id == actor.user_id,
                Referral.state.in_([State.offer_made, State.viewing]),
                *where,
            )
            .order_by(Offer.created_at)
        )
    ).all()
    labels = await _criteria_by_version(db, actor.tenant_id, {referral.criteria_version for referral, *_ in rows})
    return [
        AssessmentRequest(
            referral_id=referral.id,
            reference=referral.reference or "",
            risk_label=_risk_label(criteria, referral),
            area_name=area,
            offered_on=offered_on,
            risk_identified=identified,
            assessed_on=assessed_on,
        )
        for referral, area, offered_on, identified, assessed_on in rows
        for criteria in [labels.get(referral.criteria_version)]
    ]


async def assessments_requested(db: AsyncSession, actor: Actor) -> list[AssessmentRequest]:
    """Offers on referrals naming the actor as risk assessor, oldest first."""
    return await _requests(db, actor)


async def assessment_request(db: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> AssessmentRequest:
    """One referral's offer for the actor to assess; ReferralNotFound if there is none for them."""
    found = await _requests(db, actor, Referral.id == referral_id)
    if not found:
        raise ReferralNotFound
    return found[0]


async def _criteria_by_version(
    db: AsyncSession, tenant_id: uuid.UUID, versions: set[int | None]
) -> dict[int | None, Criteria]:
    """Each criteria version the rows were checked under, looked up once rather than once a row."""
    return {v: await criteria_at(db, tenant_id, v) for v in versions if v is not None}


def _risk_label(criteria: Criteria | None, referral: Referral) -> str:
    risk = criteria.risk_type(referral.risk_type) if criteria else None
    return risk.label if risk else "Not given"
