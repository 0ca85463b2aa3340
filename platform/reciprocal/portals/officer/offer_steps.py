"""The nominating officer's offer forms: choosing among offers side by side, the applicant's decision, viewings."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Response, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import Actor
from reciprocal.kernel import dates
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.fields import version_field
from reciprocal.portals.officer.controllers import view_page
from reciprocal.portals.officer.offers import OfferForm
from reciprocal.portals.officer.referral import OFFICER, load_draft, referral_path
from reciprocal.referrals import decisions, viewings
from reciprocal.referrals.services import InvalidReferral
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt


def _offer_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


async def _choose(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: OfferForm) -> None:
    await decisions.choose_offer(db, actor, referral_id, _offer_id(form.offer_id), version=version)


async def _decide(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: OfferForm) -> None:
    await decisions.record_decision(db, actor, referral_id, decision=form.decision, reason=form.reason, version=version)


async def _date(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: OfferForm) -> None:
    on = viewings.viewing_date(form.viewing_day, form.viewing_month, form.viewing_year)
    await viewings.record_viewing_date(db, actor, referral_id, on=on, version=version)


async def _outcome(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, form: OfferForm) -> None:
    today = dates.today()
    await viewings.record_viewing_outcome(db, actor, referral_id, outcome=form.outcome, today=today, version=version)


STEPS: dict[str, Callable[[AsyncSession, Actor, uuid.UUID, int, OfferForm], Awaitable[None]]] = {
    "choose-offer": _choose,
    "decision": _decide,
    "viewing-date": _date,
    "viewing-outcome": _outcome,
}


@post("/referrals/{referral_id:uuid}/offers/{step:str}", opt=OFFICER, status_code=200)
async def offer_step(
    referral_id: FromPath[uuid.UUID],
    step: FromPath[str],
    data: URLEncodedBody[OfferForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    keys: NamedDependency[Keys],
) -> Response[Any]:
    """One of the offer forms on the referral's page. A missing answer is said next to its field, a stale form
    or a step no longer allowed at the top of the page again: nothing is changed, never a 500."""
    if step not in STEPS:
        raise NotFoundException
    take = STEPS[step]
    version = version_field(data.version)
    refused = await attempt(db, lambda: take(db, actor, referral_id, version, data))
    if not isinstance(refused, Refused):
        return Redirect(f"{referral_path(scheme, referral_id)}?done={step}", status_code=303)
    draft = await load_draft(db, scheme, actor, referral_id)
    if isinstance(refused, InvalidReferral):
        errors = {f"{step}-{field}": message for field, message in refused.problems}
        return await view_page(
            db, scheme, actor, keys, draft, step=step, form=data, offer_errors=errors, status_code=400
        )
    return await view_page(
        db, scheme, actor, keys, draft, step=step, form=data, offer_problem=refused.message, status_code=409
    )


HANDLERS = [offer_step]
