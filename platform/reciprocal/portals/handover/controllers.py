"""Handing a referral over to another nominating officer of its agency, by the coordinator or the officer holding
it: the colleagues it may go to, and the form (referrals.handover). One page for both, each under its own portal."""

from __future__ import annotations

import uuid
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
from reciprocal.kernel.fields import version_field
from reciprocal.portals.coordinator.controllers import referral_page as coordinator_referral_page
from reciprocal.referrals import handover
from reciprocal.referrals.services import (
    STALE,
    InvalidReferral,
    ReferralNotFound,
    StaleReferral,
    get_referral,
    record_view,
)
from reciprocal.referrals.workflow import State
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt
from reciprocal.web.urls import referral_page, see_other


class HandoverForm(msgspec.Struct):
    version: str = ""
    officer: str = ""


async def _page(
    db: AsyncSession,
    scheme: Scheme,
    actor: Actor,
    referral_id: uuid.UUID,
    *,
    form: HandoverForm | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Template:
    referral = await get_referral(db, actor, referral_id, for_update=False)
    if actor.role == Role.coordinator and referral.state == State.draft:
        # A draft is its officer's alone, as on the coordinator's referral page.
        raise ReferralNotFound
    record_view(db, actor, referral.id)
    back = referral_page(scheme, actor.role, referral.id)
    return Template(
        "handover/handover.html.j2",
        context={
            "scheme": scheme,
            "referral": referral,
            "back": back,
            "action": f"{back}/handover",
            "refusal": handover.handover_refused(actor, referral),
            "colleagues": await handover.colleagues(db, referral),
            "agency": await handover.agency_name(db, referral),
            "own": actor.role == Role.nominating_officer,
            "form": form or HandoverForm(),
            "errors": errors or {},
            "problem": problem,
        },
        status_code=status_code,
    )


async def _hand_over(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    scheme: Scheme,
    actor: Actor,
    referral_id: uuid.UUID,
    data: HandoverForm,
) -> Response[Any]:
    async def command() -> object:
        return await handover.hand_over(
            db, actor, referral_id, handover.to_officer_field(data.officer), version=version_field(data.version)
        )

    refused = await attempt(db, command)
    if isinstance(refused, InvalidReferral):
        errors = {field: words for field, words in refused.problems}
        return await _page(db, scheme, actor, referral_id, form=data, errors=errors, status_code=400)
    if isinstance(refused, StaleReferral):
        return await _page(db, scheme, actor, referral_id, form=data, problem=STALE, status_code=409)
    if isinstance(refused, Refused):
        return await _page(db, scheme, actor, referral_id, form=data, problem=refused.message, status_code=409)
    if actor.role == Role.coordinator:
        return see_other(request, coordinator_referral_page, {"done": "handover"}, referral_id=referral_id)
    # The officer handing it over no longer holds it: they go back to their home, which says so.
    return see_other(request, handed_over, referral_id=referral_id)


@get("/referrals/{referral_id:uuid}/handover", opt=allow(Role.nominating_officer))
async def officer_handover(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    return await _page(db, scheme, actor, referral_id)


@post("/referrals/{referral_id:uuid}/handover", opt=allow(Role.nominating_officer), status_code=200)
async def officer_hand_over(
    request: Request[Any, Any, Any],
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[HandoverForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    return await _hand_over(request, db, scheme, actor, referral_id, data)


@get("/referrals/{referral_id:uuid}/handed-over", opt=allow(Role.nominating_officer))
async def handed_over(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    """What the officer sees once they handed a referral over: whom to, from the audit trail (never the URL)."""
    found = await handover.handed_over_by(db, actor, referral_id)
    if found is None:
        raise ReferralNotFound
    return Template("handover/handed_over.html.j2", context={"scheme": scheme, "found": found})


@get("/coordinator/referrals/{referral_id:uuid}/handover", opt=allow(Role.coordinator))
async def coordinator_handover(
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    return await _page(db, scheme, actor, referral_id)


@post("/coordinator/referrals/{referral_id:uuid}/handover", opt=allow(Role.coordinator), status_code=200)
async def coordinator_hand_over(
    request: Request[Any, Any, Any],
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[HandoverForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    return await _hand_over(request, db, scheme, actor, referral_id, data)


HANDLERS = [officer_handover, officer_hand_over, handed_over, coordinator_handover, coordinator_hand_over]
