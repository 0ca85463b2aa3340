"""The scheme admin's pages for sign-in: the organisations, and each one's identity provider."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.admin import common, providers
from reciprocal.identity.models import Role
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt
from reciprocal.web.schemes import SchemeDirectory
from reciprocal.web.urls import callback_url, scheme_url, see_other

ADMIN = allow(Role.scheme_admin)

PROVIDER_DONE = {"saved", "removed"}
"""Outcomes a page may announce after a redirect: the query names one, never free text."""


@get("/admin/organisations", opt=ADMIN)
async def organisations_page(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    organisations = await common.list_organisations(db, actor)
    return Template("scheme_admin/organisations.html.j2", context={"scheme": scheme, "organisations": organisations})


@get("/admin/organisations/{organisation_id:uuid}/sign-in", opt=ADMIN)
async def provider_page(
    organisation_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
    done: FromQuery[str | None] = None,
) -> Template:
    current = await providers.provider_settings(db, actor, organisation_id)
    form = providers.ProviderForm(
        issuer=current.issuer, client_id=current.client_id, email_domains=current.email_domains
    )
    return _provider_form(scheme, settings, current, form, {}, done=done if done in PROVIDER_DONE else None)


@post("/admin/organisations/{organisation_id:uuid}/sign-in", opt=ADMIN, status_code=200)
async def configure_provider(
    request: Request[Any, Any, Any],
    organisation_id: FromPath[uuid.UUID],
    data: URLEncodedBody[providers.ProviderForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
    keys: NamedDependency[Keys],
) -> Response[Any]:
    refused = await attempt(db, lambda: providers.configure_provider(db, actor, organisation_id, data, keys))
    if isinstance(refused, Refused):
        current = await providers.provider_settings(db, actor, organisation_id)
        return _provider_form(scheme, settings, current, data, dict(refused.problems), status_code=400)
    _schemes(request).forget_once_committed(db, scheme.id)
    return see_other(request, provider_page, {"done": "saved"}, organisation_id=organisation_id)


def _provider_form(
    scheme: Scheme,
    settings: Settings,
    current: providers.ProviderSettings,
    form: providers.ProviderForm,
    errors: dict[str, str],
    *,
    done: str | None = None,
    status_code: int = 200,
) -> Template:
    # NOTE: the secret is never sent back, not even after an error: the form's field is always empty.
    shown = providers.ProviderForm(issuer=form.issuer, client_id=form.client_id, email_domains=form.email_domains)
    return Template(
        "scheme_admin/provider.html.j2",
        context={
            "scheme": scheme,
            "current": current,
            "form": shown,
            "errors": errors,
            "done": done,
            # What the organisation's IT registers with their provider for this service.
            "redirect_uri": callback_url(settings, scheme, current.provider_id) if current.provider_id else "",
            "logout_redirect_uri": scheme_url(settings, scheme),
        },
        status_code=status_code,
    )


@post("/admin/organisations/{organisation_id:uuid}/sign-in/remove", opt=ADMIN, status_code=200)
async def remove_provider(
    request: Request[Any, Any, Any],
    organisation_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Redirect:
    await providers.remove_provider(db, actor, organisation_id)
    _schemes(request).forget_once_committed(db, scheme.id)
    return see_other(request, provider_page, {"done": "removed"}, organisation_id=organisation_id)


def _schemes(request: Request[Any, Any, Any]) -> SchemeDirectory:
    """This process's schemes: the form actions of the scheme's pages follow its providers."""
    schemes: SchemeDirectory = request.app.state.schemes
    return schemes


HANDLERS = [
    organisations_page,
    provider_page,
    configure_provider,
    remove_provider,
]
