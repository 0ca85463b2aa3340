"""The scheme admin's pages for people: the users, inviting them, and their roles, suspension and reinstatement."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.admin import common, users
from reciprocal.identity.models import Role
from reciprocal.identity.services import ROLE_NAMES, ROLE_ORDER, Actor
from reciprocal.kernel.errors import Refused
from reciprocal.notifications import delivery
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt
from reciprocal.web.urls import scheme_url, see_other

ADMIN = allow(Role.scheme_admin)

ROLE_CHOICES = [(role.value, ROLE_NAMES[role], users.ROLE_WHERE[role]) for role in ROLE_ORDER]
"""Each role's value, name and where it may be held: the invite form's checkboxes."""

USER_DONE = {"invited", "added", "removed", "suspended", "reinstated"}
"""Outcomes a page may announce after a redirect: the query names one, never free text."""


def _sign_in_address(settings: Settings, scheme: Scheme) -> str:
    return f"{scheme_url(settings, scheme)}sign-in"


@get("/admin/users", opt=ADMIN)
async def users_page(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    return Template(
        "scheme_admin/users.html.j2", context={"scheme": scheme, "users": await users.list_users(db, actor)}
    )


@get("/admin/users/invite", opt=ADMIN)
async def invite_page(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
    user: FromQuery[uuid.UUID | None] = None,
) -> Template:
    """The invite form; `?user=<id>` fills in an existing user's address and name, to give them another role."""
    form = users.InviteForm()
    if user is not None:
        existing = await users.get_user(db, actor, user, for_update=False)
        form = users.InviteForm(email=existing.email, name=existing.display_name)
    return await _invite_form(db, scheme, actor, settings, form, {})


@post("/admin/users/invite", opt=ADMIN, status_code=200)
async def invite_user(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[users.InviteForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    invited = await attempt(db, lambda: users.invite(db, actor, data))
    if isinstance(invited, Refused):
        return await _invite_form(db, scheme, actor, settings, data, dict(invited.problems), status_code=400)
    await delivery.invitation(db, scheme.id, invited.user_id, new=invited.created)
    done = "invited" if invited.created else "added"
    return see_other(request, user_page, {"done": done}, user_id=invited.user_id)


async def _invite_form(
    db: AsyncSession,
    scheme: Scheme,
    actor: Actor,
    settings: Settings,
    form: users.InviteForm,
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> Template:
    return Template(
        "scheme_admin/invite.html.j2",
        context={
            "scheme": scheme,
            "form": form,
            "chosen_roles": form.role_values,
            "errors": errors,
            "organisations": await common.list_organisations(db, actor),
            "role_choices": ROLE_CHOICES,
            "sign_in_address": _sign_in_address(settings, scheme),
        },
        status_code=status_code,
    )


@get("/admin/users/{user_id:uuid}", opt=ADMIN)
async def user_page(
    user_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
    done: FromQuery[str | None] = None,
) -> Template:
    return await _user_page(db, scheme, actor, settings, user_id, done=done if done in USER_DONE else None)


async def _user_page(
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
        "scheme_admin/user.html.j2",
        context={
            "scheme": scheme,
            "user": await users.user_detail(db, actor, user_id),
            "is_self": user_id == actor.user_id,
            "done": done,
            "errors": errors or {},
            "sign_in_address": _sign_in_address(settings, scheme),
        },
        status_code=400 if errors else 200,
    )


@post("/admin/users/{user_id:uuid}/memberships/remove", opt=ADMIN, status_code=200)
async def remove_membership(
    request: Request[Any, Any, Any],
    user_id: FromPath[uuid.UUID],
    data: URLEncodedBody[users.MembershipForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    refused = await attempt(db, lambda: users.remove_membership(db, actor, user_id, data))
    if isinstance(refused, Refused):
        return await _user_page(db, scheme, actor, settings, user_id, errors=dict(refused.problems))
    return see_other(request, user_page, {"done": "removed"}, user_id=user_id)


@post("/admin/users/{user_id:uuid}/suspend", opt=ADMIN, status_code=200)
async def suspend_user(
    request: Request[Any, Any, Any],
    user_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    refused = await attempt(db, lambda: users.suspend(db, actor, user_id))
    if isinstance(refused, Refused):
        return await _user_page(db, scheme, actor, settings, user_id, errors=dict(refused.problems))
    return see_other(request, user_page, {"done": "suspended"}, user_id=user_id)


@post("/admin/users/{user_id:uuid}/reinstate", opt=ADMIN, status_code=200)
async def reinstate_user(
    request: Request[Any, Any, Any],
    user_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Redirect:
    await users.reinstate(db, actor, user_id)
    return see_other(request, user_page, {"done": "reinstated"}, user_id=user_id)


HANDLERS = [
    users_page,
    invite_page,
    invite_user,
    user_page,
    remove_membership,
    suspend_user,
    reinstate_user,
]
