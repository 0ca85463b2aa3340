"""Addresses: a scheme's pages by their route handler, and those that leave the service (emails, identity
provider callbacks), built from the configured base URL."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.handlers import BaseRouteHandler
from litestar.response import Redirect

from reciprocal.db import keyset
from reciprocal.identity.models import Role
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Scheme

REFERRAL_PAGES = {
    Role.coordinator: "coordinator/referrals/{id}",
    Role.nominating_officer: "referrals/{id}",
    Role.risk_assessor: "risk-assessor/assessments/{id}",
    Role.named_lead: "named-lead/referrals/{id}",
}
"""Each role's page of a referral, under the scheme."""


def referral_page(scheme: Scheme, role: Role, referral_id: uuid.UUID) -> str:
    """The address of `role`'s page of the referral: where search, messages and handover lead back to."""
    return f"/s/{scheme.slug}/" + REFERRAL_PAGES[role].format(id=referral_id)


def scheme_url(settings: Settings, scheme: Scheme) -> str:
    """The scheme's absolute address, for links that leave the service (provider callbacks, emails).

    NOTE: from the configured base URL only, never the request's Host header, which whoever sends the
    request chooses: a sign-in link or callback pointing at their host would hand them the token or code.
    """
    return f"{settings.require_base_url()}/s/{scheme.slug}/"


def callback_url(settings: Settings, scheme: Scheme, provider_id: uuid.UUID) -> str:
    return f"{scheme_url(settings, scheme)}sign-in/oidc/{provider_id}/callback"


Query = Mapping[str, object] | None
"""What follows the path's ?, if anything: the page's own words to announce, never free text."""


def page(request: Request[Any, Any, Any], route: BaseRouteHandler, /, query: Query = None, **params: Any) -> str:
    """The path of the request's scheme's page served by `route`: written once, in its decorator."""
    path = request.app.route_reverse(route, scheme_slug=request.path_params["scheme_slug"], **params)
    return f"{path}?{urlencode(query)}" if query else path


def see_other(
    request: Request[Any, Any, Any], route: BaseRouteHandler, /, query: Query = None, **params: Any
) -> Redirect:
    """After a form post: to the page served by `route` (303, so the browser asks for it with GET)."""
    return Redirect(page(request, route, query, **params), status_code=303)


def page_links(base: str, kept: Sequence[tuple[str, str]], page: keyset.Page[Any]) -> dict[str, str | None]:
    """A keyset-paged list's Next and Previous addresses: `base` with the list's own parameters (`kept`: filters,
    sort, what was searched) and the page's cursor; None where there is no such page."""

    def at(name: str, cursor: str | None) -> str | None:
        return f"{base}?{urlencode([*kept, (name, cursor)])}" if cursor else None

    return {"next": at("after", page.next), "previous": at("before", page.previous)}
