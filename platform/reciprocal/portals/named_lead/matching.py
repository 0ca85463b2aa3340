"""The named lead's matching page: a property entered once, and the circulating referrals it fits, longest
circulating first, each a link to offer it (referrals.matching.referrals_fitting). Anonymised as every partner
page is: each line is a plain dataclass built field by field, and a list shows no free text."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.portals.named_lead.controllers import _parse_offer, offer_form_of
from reciprocal.portals.named_lead.views import HOUSEHOLD_COLUMNS, Household, area_choices, area_names, household_of
from reciprocal.referrals.circulation import areas_covered
from reciprocal.referrals.matching import referrals_fitting
from reciprocal.referrals.models import Referral
from reciprocal.referrals.pauses import pause_for
from reciprocal.tenancy.models import Scheme

FIELDS = ("area_id", "bedrooms", "floor", "accessibility", "available_from-day", "available_from-month")
"""The property's fields as the page's form (method GET) sends them, with `available_from-year`."""


@dataclass(frozen=True)
class Match:
    """One fitting referral, as a list shows it: no free text, only whether the household has access needs."""

    id: uuid.UUID
    reference: str
    household: Household
    has_access_needs: bool
    """Read on the referral's page, beside the property's features, before offering."""


async def _matches(db: AsyncSession, actor: Actor, referral_ids: list[uuid.UUID]) -> list[Match]:
    if not referral_ids:
        return []
    rows = await db.execute(
        select(Referral.id, Referral.reference, Referral.circulated_at, *HOUSEHOLD_COLUMNS).where(
            Referral.tenant_id == actor.tenant_id, Referral.id.in_(referral_ids)
        )
    )
    found = {
        row.id: Match(row.id, row.reference or "", household_of(row), bool(row.access_needs.strip())) for row in rows
    }
    return [found[i] for i in referral_ids if i in found]


@get("/named-lead/matching", opt=allow(Role.named_lead))
async def matching_page(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    """Without a property: the form. With one (the form sent, by GET: nothing changes): the referrals it fits."""
    query = request.query_params
    form = offer_form_of(query)
    covered = await areas_covered(db, actor.tenant_id, actor.organisation_id)
    areas = area_choices(await area_names(db, actor.tenant_id, covered), covered)
    sent = any(name in query for name in FIELDS)
    offer, errors = _parse_offer(form) if sent else (None, {})
    if offer is not None and offer.area_id not in covered:
        offer, errors = None, {"area_id": "Select an area where your organisation has properties"}
    matches, total = [], 0
    if offer is not None:
        fits = await referrals_fitting(db, actor.tenant_id, actor.organisation_id, offer)
        matches, total = await _matches(db, actor, fits.referral_ids), fits.total
    context = {
        "scheme": scheme,
        "actor": actor,
        "form": form,
        "areas": areas,
        "errors": errors,
        "searched": offer is not None,
        "matches": matches,
        "total": total,
        "pause": await pause_for(db, actor.tenant_id, actor.organisation_id),
        "property_query": urlencode([(k, v) for k, v in query.items() if k in (*FIELDS, "available_from-year")]),
    }
    return Template("named_lead/matching.html.j2", context=context, status_code=400 if errors else 200)


HANDLERS = [matching_page]
