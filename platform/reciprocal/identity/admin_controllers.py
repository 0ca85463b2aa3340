"""The scheme admin's pages: users and their roles, and how each organisation's staff sign in."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity import admin
from reciprocal.identity.access import allow
from reciprocal.identity.controllers import callback_url, scheme_url
from reciprocal.identity.models import Role
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import ROLE_NAMES, ROLE_ORDER, Actor
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Scheme

ADMIN = allow(Role.scheme_admin)

ROLE_CHOICES = [(role.value, ROLE_NAMES[role], admin.ROLE_WHERE[role]) for role in ROLE_ORDER]
"""Each role's value, name and where it may be held: the invite form's checkboxes."""

USER_DONE = {"invited", "added", "removed", "suspended", "reinstated"}
PROVIDER_DONE = {"saved", "removed"}
"""Outcomes a page may announce after a redirect: the query names one, never free text."""


def _sign_in_address(request: Request[Any, Any, Any], settings: Settings, scheme: Scheme) -> str:
    return f"{scheme_url(request, settings, scheme)}sign-in"


@get("/admin/users", opt=ADMIN)
async def users_page(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    users = await admin.list_users(db, actor)
    return Template("admin/users.html.j2", context={"scheme": scheme, "users": users})


@get("/admin/users/invite", opt=ADMIN)
async def invite_page(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
    user: FromQuery[uuid.UUID | None] = None,
) -> Template:
    """The invite form; `?user=<id>` fills in an existing user's address and name, to give them another role."""
    form = admin.InviteForm()
    if user is not None:
        existing = await admin.get_user(db, actor, user, for_update=False)
        form = admin.InviteForm(email=existing.email, name=existing.display_name)
    return await _invite_form(request, db, scheme, actor, settings, form, {})


@post("/admin/users/invite", opt=ADMIN, status_code=200)
async def invite_user(
    data: URLEncodedBody[admin.InviteForm],
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    try:
        invited = await admin.invite(db, actor, data)
    except admin.Invalid as invalid:
        return await _invite_form(request, db, scheme, actor, settings, data, invalid.errors, status_code=400)
    done = "invited" if invited.created else "added"
    return Redirect(f"/s/{scheme.slug}/admin/users/{invited.user_id}?done={done}", status_code=303)


async def _invite_form(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    scheme: Scheme,
    actor: Actor,
    settings: Settings,
    form: admin.InviteForm,
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> Template:
    return Template(
        "admin/invite.html.j2",
        context={
            "scheme": scheme,
            "form": form,
            "chosen_roles": form.role_values,
            "errors": errors,
            "organisations": await admin.list_organisations(db, actor),
            "role_choices": ROLE_CHOICES,
            "sign_in_address": _sign_in_address(request, settings, scheme),
        },
        status_code=status_code,
    )


@get("/admin/users/{user_id:uuid}", opt=ADMIN)
async def user_page(
    user_id: FromPath[uuid.UUID],
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
    done: FromQuery[str | None] = None,
) -> Template:
    return await _user_page(request, db, scheme, actor, settings, user_id, done=done if done in USER_DONE else None)


async def _user_page(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    scheme: Scheme,
    actor: Actor,
    settings: Settings,
    user_id: uuid.UUID,
    *,
    done: str | None = None,
    errors: dict[str, str] | None = None,
) -> Template:
    return Template(
        "admin/user.html.j2",
        context={
            "scheme": scheme,
            "user": await admin.user_detail(db, actor, user_id),
            "is_self": user_id == actor.user_id,
            "done": done,
            "errors": errors or {},
            "sign_in_address": _sign_in_address(request, settings, scheme),
        },
        status_code=400 if errors else 200,
    )


@post("/admin/users/{user_id:uuid}/memberships/remove", opt=ADMIN, status_code=200)
async def remove_membership(
    user_id: FromPath[uuid.UUID],
    data: URLEncodedBody[admin.MembershipForm],
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    try:
        await admin.remove_membership(db, actor, user_id, data)
    except admin.Invalid as invalid:
        return await _user_page(request, db, scheme, actor, settings, user_id, errors=invalid.errors)
    return Redirect(f"/s/{scheme.slug}/admin/users/{user_id}?done=removed", status_code=303)


@post("/admin/users/{user_id:uuid}/suspend", opt=ADMIN, status_code=200)
async def suspend_user(
    user_id: FromPath[uuid.UUID],
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    try:
        await admin.suspend(db, actor, user_id)
    except admin.Invalid as invalid:
        return await _user_page(request, db, scheme, actor, settings, user_id, errors=invalid.errors)
    return Redirect(f"/s/{scheme.slug}/admin/users/{user_id}?done=suspended", status_code=303)


@post("/admin/users/{user_id:uuid}/reinstate", opt=ADMIN, status_code=200)
async def reinstate_user(
    user_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Redirect:
    await admin.reinstate(db, actor, user_id)
    return Redirect(f"/s/{scheme.slug}/admin/users/{user_id}?done=reinstated", status_code=303)


@get("/admin/organisations", opt=ADMIN)
async def organisations_page(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    organisations = await admin.list_organisations(db, actor)
    return Template("admin/organisations.html.j2", context={"scheme": scheme, "organisations": organisations})


@get("/admin/organisations/{organisation_id:uuid}/sign-in", opt=ADMIN)
async def provider_page(
    organisation_id: FromPath[uuid.UUID],
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
    done: FromQuery[str | None] = None,
) -> Template:
    current = await admin.provider_settings(db, actor, organisation_id)
    form = admin.ProviderForm(issuer=current.issuer, client_id=current.client_id, email_domains=current.email_domains)
    return _provider_form(request, scheme, settings, current, form, {}, done=done if done in PROVIDER_DONE else None)


@post("/admin/organisations/{organisation_id:uuid}/sign-in", opt=ADMIN, status_code=200)
async def configure_provider(
    organisation_id: FromPath[uuid.UUID],
    data: URLEncodedBody[admin.ProviderForm],
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
    keys: NamedDependency[Keys],
) -> Response[Any]:
    try:
        await admin.configure_provider(db, actor, organisation_id, data, keys)
    except admin.Invalid as invalid:
        current = await admin.provider_settings(db, actor, organisation_id)
        return _provider_form(request, scheme, settings, current, data, invalid.errors, status_code=400)
    return Redirect(f"/s/{scheme.slug}/admin/organisations/{organisation_id}/sign-in?done=saved", status_code=303)


def _provider_form(
    request: Request[Any, Any, Any],
    scheme: Scheme,
    settings: Settings,
    current: admin.ProviderSettings,
    form: admin.ProviderForm,
    errors: dict[str, str],
    *,
    done: str | None = None,
    status_code: int = 200,
) -> Template:
    # NOTE: the secret is never sent back, not even after an error: the form's field is always empty.
    shown = admin.ProviderForm(issuer=form.issuer, client_id=form.client_id, email_domains=form.email_domains)
    return Template(
        "admin/provider.html.j2",
        context={
            "scheme": scheme,
            "current": current,
            "form": shown,
            "errors": errors,
            "done": done,
            # What the organisation's IT registers with their provider for this service.
            "redirect_uri": callback_url(request, settings, scheme, current.provider_id) if current.provider_id else "",
            "logout_redirect_uri": scheme_url(request, settings, scheme),
        },
        status_code=status_code,
    )


@post("/admin/organisations/{organisation_id:uuid}/sign-in/remove", opt=ADMIN, status_code=200)
async def remove_provider(
    organisation_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Redirect:
    await admin.remove_provider(db, actor, organisation_id)
    return Redirect(f"/s/{scheme.slug}/admin/organisations/{organisation_id}/sign-in?done=removed", status_code=303)


HANDLERS = [
    users_page,
    invite_page,
    invite_user,
    user_page,
    remove_membership,
    suspend_user,
    reinstate_user,
    organisations_page,
    provider_page,
    configure_provider,
    remove_provider,
]
