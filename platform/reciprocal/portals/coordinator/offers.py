"""What the coordinator's pages read about offers: those standing side by side, the one pursued with its viewing,
the applicant's decision as the officer recorded it, and the risk assessment's state; the assessments outstanding."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.portals.officer.queries import in_states
from reciprocal.referrals.decisions import DECISIONS, REFUSE, decision_pending
from reciprocal.referrals.models import LIVE_OFFER_STATES, Offer, Referral, RiskAssessment
from reciprocal.referrals.offers import REFUSAL_REASONS, live_offers
from reciprocal.referrals.viewings import ViewingWords, viewing_of
from reciprocal.referrals.workflow import State

ASSESSED = (State.offer_made, State.viewing, State.accepted)
"""States in which one offer is pursued, and so can be assessed."""

RISK_STATES = {
    "requested": "Requested: the risk assessor has not yet recorded it",
    "recorded": "Recorded: no specific risk identified",
    "risk_identified": "Recorded: risk identified. The offer cannot be accepted",
}


@dataclass(frozen=True)
class OffersView:
    standing: list[Offer]
    """Offers side by side, waiting for the nominating officer's choice (a circulating referral)."""
    risk_state: str | None
    """A key of RISK_STATES for the offer pursued, where the referral has a risk assessor."""
    viewing: ViewingWords | None
    decision: str | None
    """The applicant's decision as the officer recorded it, in words, while it waits to be confirmed."""
    decision_query: str

    @property
    def risk_words(self) -> str | None:
        return RISK_STATES[self.risk_state] if self.risk_state else None


async def latest_assessment(db: AsyncSession, offer: Offer) -> bool | None:
    """The latest assessment of `offer`: whether it identified a risk; None when none is recorded."""
    return await db.scalar(
        select(RiskAssessment.risk_identified)
        .where(RiskAssessment.tenant_id == offer.tenant_id, RiskAssessment.offer_id == offer.id)
        .order_by(RiskAssessment.recorded_at.desc())
        .limit(1)
    )


async def offers_view(db: AsyncSession, referral: Referral, pursued: Offer | None) -> OffersView:
    standing = await live_offers(db, referral) if referral.state == State.circulating else []
    risk_state = None
    if referral.risk_assessor_id is not None and pursued is not None and referral.state in ASSESSED:
        found = await latest_assessment(db, pursued)
        risk_state = "requested" if found is None else "risk_identified" if found else "recorded"
    decision = None
    if pursued is not None and decision_pending(referral.state, pursued):
        decision = DECISIONS[pursued.decision or ""]
        if pursued.decision == REFUSE and pursued.decision_reason in REFUSAL_REASONS:
            decision += f": {REFUSAL_REASONS[pursued.decision_reason].lower()}"
    return OffersView(
        standing=standing,
        risk_state=risk_state,
        viewing=await viewing_of(db, referral, pursued.id if pursued else None)
        if referral.state == State.viewing
        else None,
        decision=decision,
        decision_query=pursued.decision_query if pursued is not None else "",
    )


@dataclass(frozen=True)
class Outstanding:
    referral_id: uuid.UUID
    reference: str | None
    offered_at: datetime
    """Since when the offer has waited for its assessment: when it was made, or chosen from several."""


@dataclass(frozen=True)
class AssessmentsOutstanding:
    count: int
    oldest: list[Outstanding]
    """Up to OUTSTANDING_SHOWN, the longest waiting first."""


OUTSTANDING_SHOWN = 20


async def assessments_outstanding(db: AsyncSession, tenant_id: uuid.UUID) -> AssessmentsOutstanding:
    """Offers pursued for referrals that need a risk assessment, with none recorded yet: read from the live
    referrals' index (the states written out) and each offer's assessments, never the scheme's history."""
    live = Offer.state.in_([literal_column(f"'{s.value}'") for s in LIVE_OFFER_STATES])
    assessed = (
        select(RiskAssessment.id)
        .where(RiskAssessment.tenant_id == Offer.tenant_id, RiskAssessment.offer_id == Offer.id)
        .exists()
    )
    waiting = func.coalesce(Offer.chosen_at, Offer.created_at)
    rows = (
        await db.execute(
            select(Referral.id, Referral.reference, waiting, func.count().over())
            .join(Offer, (Offer.tenant_id == Referral.tenant_id) & (Offer.referral_id == Referral.id) & live)
            .where(
                Referral.tenant_id == tenant_id,
                in_states((State.offer_made, State.viewing)),
                Referral.risk_assessor_id.is_not(None),
                ~assessed,
            )
            .order_by(waiting, Referral.id)
            .limit(OUTSTANDING_SHOWN)
        )
    ).all()
    count = rows[0][3] if rows else 0
    return AssessmentsOutstanding(count, [Outstanding(r, ref, at) for r, ref, at, _ in rows])
