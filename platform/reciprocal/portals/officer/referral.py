"""One referral as the officer's pages read it: whose it is, its answers, criteria and choices, loaded once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.schemas import Criteria
from reciprocal.criteria.services import current_criteria
from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.portals.officer.presenters import EDITABLE
from reciprocal.portals.officer.queries import ReferralChoices, monitoring_of, referral_choices
from reciprocal.referrals.models import Referral
from reciprocal.referrals.rules import Problem, ReferralAnswers, check
from reciprocal.referrals.services import answers_of, get_referral, record_view
from reciprocal.tenancy.models import Scheme

OFFICER = allow(Role.nominating_officer)


def referral_path(scheme: Scheme, referral_id: uuid.UUID) -> str:
    """The referral's own page, which its question pages return to."""
    return f"/s/{scheme.slug}/referrals/{referral_id}"


@dataclass(frozen=True)
class Draft:
    referral: Referral
    answers: ReferralAnswers
    criteria: Criteria
    choices: ReferralChoices
    monitoring: dict[str, str]

    @property
    def editable(self) -> bool:
        return self.referral.state in EDITABLE

    def problems(self, area_term: str) -> list[Problem]:
        return check(self.answers, self.criteria, area_term)


async def load_draft(
    db: AsyncSession, scheme: Scheme, actor: Actor, referral_id: uuid.UUID, *, for_update: bool = False
) -> Draft:
    """The referral if it is the officer's agency's; another agency's, scheme's or nobody's is a 404."""
    referral = await get_referral(db, actor, referral_id, for_update=for_update)
    if not for_update:
        record_view(db, actor, referral.id)
    published = await current_criteria(db, scheme.id)
    assert published is not None, "a scheme always has criteria: loading it publishes them"
    return Draft(
        referral=referral,
        answers=await answers_of(db, referral),
        criteria=published.criteria,
        choices=await referral_choices(db, scheme.id),
        monitoring=await monitoring_of(db, referral),
    )


def draft_context(scheme: Scheme, draft: Draft, **extra: Any) -> dict[str, Any]:
    """What every page about one referral shows: where it is, and how the officer knows it."""
    referral = draft.referral
    caption = f"Referral {referral.reference}" if referral.reference else "Draft referral"
    if referral.former_reference:  # handed on with its cohort from another scheme (cohorts.moving)
        caption += f", formerly {referral.former_reference}"
    if referral.officer_case_reference:
        caption += f", your reference {referral.officer_case_reference}"
    return {
        "scheme": scheme,
        "referral": referral,
        "caption": caption,
        "base": referral_path(scheme, draft.referral.id),
        "area_term": scheme.area_term,
        **extra,
    }
