"""Role homes: each role lands on its own page after sign-in, and a person with several can switch."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import ANY_ROLE
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor, switch_acting
from reciprocal.kernel.errors import Refused
from reciprocal.notifications import choices
from reciprocal.notifications.whats_new import PAGE, mark_all_read, open_notice, whats_new
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt
from reciprocal.web.urls import see_other

HOMES = {  # each role's home, under /s/{scheme}/
    Role.nominating_officer: "officer",
    Role.named_lead: "named-lead",
    Role.coordinator: "coordinator",
    Role.risk_assessor: "risk-assessor",
    Role.scheme_admin: "admin",
    Role.funder: "reports",
}
"""Each role's home, under /s/{scheme}/."""


@get("/home", opt=ANY_ROLE)
async def home(scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]) -> Redirect:
    return Redirect(f"/s/{scheme.slug}/{HOMES[actor.role]}/", status_code=303)


class ActingForm(msgspec.Struct):
    acting: str = ""
    """`<organisation id>:<role>`, one of the person's own memberships."""


@get("/acting-as", opt=ANY_ROLE)
async def acting_as_page(scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]) -> Template:
    return Template("home/acting_as.html.j2", context={"scheme": scheme, "actor": actor, "error": ""})


@post("/acting-as", opt=ANY_ROLE, status_code=200)
async def acting_as(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[ActingForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    organisation, _, role = data.acting.partition(":")
    try:
        switched = await switch_acting(db, actor, uuid.UUID(organisation), Role(role))
    except ValueError:
        switched = False
    if not switched:
        return Template(
            "home/acting_as.html.j2",
            context={"scheme": scheme, "actor": actor, "error": "Choose one of your roles"},
            status_code=400,
        )
    return see_other(request, home)


@get("/whats-new", opt=ANY_ROLE)
async def whats_new_page(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    before: FromQuery[datetime | None] = None,
) -> Template:
    found = await whats_new(db, actor, limit=PAGE, before=before)
    older = f"/s/{scheme.slug}/whats-new?{urlencode({'before': found.lines[-1].at.isoformat()})}" if found.more else ""
    return Template(
        "home/whats_new.html.j2",
        context={"scheme": scheme, "actor": actor, "whats_new": found, "next_page": older},
    )


@get("/whats-new/{notice_id:uuid}", opt=ANY_ROLE)
async def open_whats_new(
    notice_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Redirect:
    """Opening a line marks it read, then goes where it leads (a link that only reads would leave it new)."""
    path = await open_notice(db, actor, notice_id)
    if path is None:
        raise NotFoundException()
    return Redirect(f"/s/{scheme.slug}{path}", status_code=303)


@post("/whats-new/read", opt=ANY_ROLE, status_code=200)
async def mark_whats_new_read(
    request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
) -> Redirect:
    await mark_all_read(db, actor)
    return see_other(request, whats_new_page)


class EmailChoicesForm(msgspec.Struct):
    daily: str | list[str] = msgspec.field(default_factory=list)
    """The kinds to have once a day (a lone ticked box arrives as a string)."""


def _email_settings(scheme: Scheme, actor: Actor, daily: set[str], **extra: Any) -> Template:
    return Template(
        "home/email_settings.html.j2",
        context={"scheme": scheme, "actor": actor, "labels": choices.LABELS, "daily": daily, **extra},
        status_code=400 if extra.get("error") else 200,
    )


@get("/email-settings", opt=ANY_ROLE)
async def email_settings_page(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    saved: FromQuery[bool] = False,
) -> Template:
    return _email_settings(scheme, actor, await choices.chosen_daily(db, actor), saved=saved)


@post("/email-settings", opt=ANY_ROLE, status_code=200)
async def save_email_settings(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[EmailChoicesForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    kinds = [data.daily] if isinstance(data.daily, str) else list(data.daily)
    saved = await attempt(db, lambda: choices.choose_daily(db, actor, kinds))
    if isinstance(saved, Refused):
        return _email_settings(scheme, actor, set(kinds), error=saved.problems[0][1])
    return see_other(request, email_settings_page, {"saved": "true"})


HANDLERS = [
    home,
    acting_as_page,
    acting_as,
    whats_new_page,
    open_whats_new,
    mark_whats_new_read,
    email_settings_page,
    save_email_settings,
]
"""The other roles' homes live with their work: referrals (officer, coordinator) and offers (named lead,
risk assessor)."""
