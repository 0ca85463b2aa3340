"""Role homes: each role lands on its own page after sign-in, and a person with several can switch."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import ANY_ROLE
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor, switch_acting
from reciprocal.tenancy.models import Scheme
from reciprocal.web.urls import see_other

HOMES = {  # each role's home, under /s/{scheme}/
    Role.nominating_officer: "officer",
    Role.named_lead: "named-lead",
    Role.coordinator: "coordinator",
    Role.risk_assessor: "risk-assessor",
    Role.scheme_admin: "admin",
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


HANDLERS = [home, acting_as_page, acting_as]
"""The other roles' homes live with their work: referrals (officer, coordinator) and offers (named lead,
risk assessor)."""
