"""Search by reference: a whole one opens the referral's page for the role; a beginning lists the matches."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import CASE_ROLES, allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.portals.search import queries
from reciprocal.tenancy.models import Scheme
from reciprocal.web.urls import page_links, referral_page

OWN_TENANT = "named-lead/approvals/{id}"
"""A named lead's page of its own tenant's referral: its approval, then what became of it."""


def referral_path(scheme: Scheme, actor: Actor, found: queries.Found) -> str:
    if actor.role == Role.named_lead and found.own_tenant:
        return f"/s/{scheme.slug}/" + OWN_TENANT.format(id=found.id)
    return referral_page(scheme, actor.role, found.id)


@get("/search", opt=allow(*CASE_ROLES))
async def search(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    """`?reference=`: a whole reference goes to the referral; a beginning (any case) lists the referrals
    whose references start so, newest first, a page at a time; only ever those this person may see."""
    query = request.query_params
    typed = (query.get("reference") or "")[:200]
    text = queries.normalised(typed)
    error = "Enter a reference number, or its beginning, like PL-2026-00" if not text else None
    if text and (exact := await queries.whole(db, actor, text)) is not None:
        return Redirect(referral_path(scheme, actor, exact), status_code=303)
    found = await queries.beginning_with(db, actor, text, after=query.get("after"), before=query.get("before"))
    base = f"/s/{scheme.slug}/search"

    return Template(
        "search/results.html.j2",
        context={
            "scheme": scheme,
            "typed": typed,
            "error": error,
            "results": [(f, referral_path(scheme, actor, f)) for f in found.rows],
            **page_links(base, [("reference", typed)], found),
        },
        status_code=400 if error else 200,
    )


HANDLERS = [search]
