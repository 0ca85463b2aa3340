"""The offers part of a submitted referral's page for its nominating officer: what can be done about them now."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.models import Role
from reciprocal.referrals.decisions import DECISIONS
from reciprocal.referrals.models import Referral
from reciprocal.referrals.offers import REFUSAL_REASONS, OfferForOfficer
from reciprocal.referrals.viewings import OUTCOMES, viewing_of
from reciprocal.referrals.workflow import Action, allowed_actions


class OfferForm(msgspec.Struct):
    """Every field the offer forms on the referral's page send; each step reads its own."""

    version: str = ""
    offer_id: str = ""
    decision: str = ""
    reason: str = ""
    viewing_day: str = ""
    viewing_month: str = ""
    viewing_year: str = ""
    outcome: str = ""


DONE = {
    "choose-offer": "You chose the property to pursue: the coordinator will arrange the viewing, and the other"
    " offers are released",
    "decision": "The applicant's decision is recorded: the coordinator will confirm it",
    "viewing-date": "The viewing's date is recorded",
    "viewing-outcome": "The viewing's outcome is recorded",
}
"""What the page announces after each offer form succeeds (the query names one, never free text)."""


async def offer_context(
    db: AsyncSession,
    referral: Referral,
    offers: list[OfferForOfficer],
    *,
    done: str | None = None,
    step: str | None = None,
    form: OfferForm | None = None,
    offer_errors: dict[str, str] | None = None,
    offer_problem: str | None = None,
) -> dict[str, Any]:
    allowed = set(allowed_actions(referral.state, Role.nominating_officer))
    pursued = offers[0].id if len(offers) == 1 else None
    can_view = Action.record_viewing in allowed and pursued is not None
    return {
        "offer_done": DONE.get(done or ""),
        "offer_step": step,
        "offer_form": form or OfferForm(),
        "offer_errors": offer_errors or {},
        "offer_problem": offer_problem,
        "can_choose": Action.choose_offer in allowed and bool(offers),
        "can_decide": Action.record_decision in allowed and pursued is not None,
        "can_accept": Action.accept in set(allowed_actions(referral.state, Role.coordinator)),
        "can_record_viewing": can_view,
        "viewing": await viewing_of(db, referral, pursued) if can_view else None,
        "decisions": DECISIONS,
        "refusal_reasons": REFUSAL_REASONS,
        "viewing_outcomes": OUTCOMES,
    }
