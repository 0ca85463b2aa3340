"""Pausing new circulations: a named lead for their own organisation (from their home), the coordinator for any
housing partner (from the list of partners). One form and one service (referrals.pauses) for both."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.fields import date_from_parts
from reciprocal.referrals import pauses
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt
from reciprocal.web.urls import see_other

COORDINATOR = allow(Role.coordinator)
NAMED_LEAD = allow(Role.named_lead)


class PauseForm(msgspec.Struct):
    until_day: str = msgspec.field(default="", name="until-day")
    until_month: str = msgspec.field(default="", name="until-month")
    until_year: str = msgspec.field(default="", name="until-year")
    reason: str = ""
    """A key of referrals.pauses.REASONS."""


def _pause_page(
    scheme: Scheme,
    actor: Actor,
    partner: pauses.PartnerStatus,
    *,
    action: str,
    back: str,
    form: PauseForm | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    context = {
        "scheme": scheme,
        "actor": actor,
        "partner": partner,
        "own": actor.role == Role.named_lead,
        "action": action,
        "back": back,
        "form": form or PauseForm(),
        "errors": errors or {},
        "reasons": pauses.REASONS,
    }
    return Template("partners/pause.html.j2", context=context, status_code=status_code)


async def _pause(
    db: AsyncSession, actor: Actor, partner_id: uuid.UUID, data: PauseForm
) -> pauses.Pause | dict[str, str]:
    """The pause set, or each field's problem (nothing changed)."""
    errors: dict[str, str] = {}
    until: date | None = None
    try:
        until = date_from_parts(data.until_day, data.until_month, data.until_year)
    except ValueError:
        errors["until"] = "The date new circulations reach you again must be a real date, like 5 1 2027"
    if errors:
        errors.update((f, m) for f, m in pauses.check_pause(date.max, data.reason))
        return errors
    done = await attempt(db, lambda: pauses.pause(db, actor, partner_id, until=until, reason=data.reason))
    if isinstance(done, Refused):
        return dict(done.problems)
    return done


# --- the named lead's own organisation ------------------------------------------------------------------------


def _own_paths(scheme: Scheme) -> tuple[str, str]:
    base = f"/s/{scheme.slug}/named-lead/"
    return f"{base}pause", base


@get("/named-lead/pause", opt=NAMED_LEAD)
async def own_pause_page(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    partner = await pauses.partner_status(db, actor, actor.organisation_id)
    action, back = _own_paths(scheme)
    return _pause_page(scheme, actor, partner, action=action, back=back)


@post("/named-lead/pause", opt=NAMED_LEAD, status_code=200)
async def own_pause(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[PauseForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    done = await _pause(db, actor, actor.organisation_id, data)
    if isinstance(done, pauses.Pause):
        return see_other(request, own_pause_page)
    partner = await pauses.partner_status(db, actor, actor.organisation_id)
    action, back = _own_paths(scheme)
    return _pause_page(scheme, actor, partner, action=action, back=back, form=data, errors=done, status_code=400)


@post("/named-lead/pause/end", opt=NAMED_LEAD, status_code=200)
async def own_resume(
    request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
) -> Response[Any]:
    await pauses.resume(db, actor, actor.organisation_id)
    return see_other(request, own_pause_page)


# --- any housing partner, by the coordinator ------------------------------------------------------------------


@get("/coordinator/partners", opt=COORDINATOR)
async def partners_page(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    partners = await pauses.housing_partners(db, actor.tenant_id)
    return Template("coordinator/partners.html.j2", context={"scheme": scheme, "actor": actor, "partners": partners})


def _partner_paths(scheme: Scheme, partner_id: uuid.UUID) -> tuple[str, str]:
    base = f"/s/{scheme.slug}/coordinator/partners"
    return f"{base}/{partner_id}/pause", base


@get("/coordinator/partners/{organisation_id:uuid}/pause", opt=COORDINATOR)
async def partner_pause_page(
    organisation_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    partner = await pauses.partner_status(db, actor, organisation_id)
    action, back = _partner_paths(scheme, organisation_id)
    return _pause_page(scheme, actor, partner, action=action, back=back)


@post("/coordinator/partners/{organisation_id:uuid}/pause", opt=COORDINATOR, status_code=200)
async def partner_pause(
    request: Request[Any, Any, Any],
    organisation_id: FromPath[uuid.UUID],
    data: URLEncodedBody[PauseForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    partner = await pauses.partner_status(db, actor, organisation_id)
    done = await _pause(db, actor, organisation_id, data)
    if isinstance(done, pauses.Pause):
        return see_other(request, partners_page)
    action, back = _partner_paths(scheme, organisation_id)
    return _pause_page(scheme, actor, partner, action=action, back=back, form=data, errors=done, status_code=400)


@post("/coordinator/partners/{organisation_id:uuid}/pause/end", opt=COORDINATOR, status_code=200)
async def partner_resume(
    request: Request[Any, Any, Any],
    organisation_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    await pauses.resume(db, actor, organisation_id)
    return see_other(request, partners_page)


HANDLERS = [
    own_pause_page,
    own_pause,
    own_resume,
    partners_page,
    partner_pause_page,
    partner_pause,
    partner_resume,
]
