"""The coordinator records a housing partner leaving the scheme, and closes its balance (settled or written off)
by reversing entries: one page beside the partner's statement, one service (referrals.leaving)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.fields import date_from_parts
from reciprocal.ledger.services import balances, housing_partner
from reciprocal.partners.models import Organisation
from reciprocal.referrals import leaving
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt

COORDINATOR = allow(Role.coordinator)


class LeavingForm(msgspec.Struct):
    left_on_day: str = msgspec.field(default="", name="left_on-day")
    left_on_month: str = msgspec.field(default="", name="left_on-month")
    left_on_year: str = msgspec.field(default="", name="left_on-year")
    reason: str = ""


class BalanceForm(msgspec.Struct):
    how: str = ""
    """A key of referrals.leaving.SETTLEMENTS."""
    reason: str = ""


async def left_partners(db: AsyncSession, tenant_id: uuid.UUID) -> dict[uuid.UUID, date]:
    """The scheme's partners that have left or are leaving, with the day: one small query (a scheme's partners)."""
    rows = await db.execute(
        select(Organisation.id, Organisation.left_on).where(
            Organisation.tenant_id == tenant_id, Organisation.left_on.is_not(None)
        )
    )
    return {partner: day for partner, day in rows if day is not None}


async def _page(
    db: AsyncSession,
    scheme: Scheme,
    actor: Actor,
    organisation_id: uuid.UUID,
    *,
    form: LeavingForm | None = None,
    balance: BalanceForm | None = None,
    errors: dict[str, str] | None = None,
) -> Template:
    partner = await housing_partner(db, scheme.id, organisation_id)
    if partner is None:
        raise NotFoundException
    net = sum(b.net for b in await balances(db, scheme.id, organisation_id))
    return Template(
        "ledger/leaving.html.j2",
        context={
            "scheme": scheme,
            "actor": actor,
            "partner": partner,
            "net": net,
            "form": form or LeavingForm(),
            "balance": balance or BalanceForm(),
            "settlements": leaving.SETTLEMENTS,
            "errors": errors or {},
        },
        status_code=400 if errors else 200,
    )


def _back(request: Request[Any, Any, Any], scheme: Scheme, organisation_id: uuid.UUID, done: str) -> Redirect:
    return Redirect(f"/s/{scheme.slug}/ledger/partners/{organisation_id}?done={done}", status_code=303)


@get("/ledger/partners/{organisation_id:uuid}/leaving", opt=COORDINATOR)
async def leaving_page(
    organisation_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    return await _page(db, scheme, actor, organisation_id)


@post("/ledger/partners/{organisation_id:uuid}/leaving", opt=COORDINATOR, status_code=200)
async def record_leaving(
    request: Request[Any, Any, Any],
    organisation_id: FromPath[uuid.UUID],
    data: URLEncodedBody[LeavingForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    """Record the partner's leaving date and reason; each field's problem otherwise, nothing changed."""
    try:
        left_on = date_from_parts(data.left_on_day, data.left_on_month, data.left_on_year)
    except ValueError:
        errors = {"left_on": "The leaving date must be a real date, like 31 1 2027"}
        return await _page(db, scheme, actor, organisation_id, form=data, errors=errors)
    done = await attempt(
        db, lambda: leaving.record_leaving(db, actor, organisation_id, left_on=left_on, reason=data.reason)
    )
    if isinstance(done, Refused):
        return await _page(db, scheme, actor, organisation_id, form=data, errors=dict(done.problems))
    return _back(request, scheme, organisation_id, "left")


@post("/ledger/partners/{organisation_id:uuid}/leaving/balance", opt=COORDINATOR, status_code=200)
async def close_balance(
    request: Request[Any, Any, Any],
    organisation_id: FromPath[uuid.UUID],
    data: URLEncodedBody[BalanceForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    """Settle or write off the leaving partner's balance by reversing entries, with the coordinator's reason."""
    done = await attempt(
        db, lambda: leaving.close_balance(db, actor, organisation_id, how=data.how, reason=data.reason)
    )
    if isinstance(done, Refused):
        return await _page(db, scheme, actor, organisation_id, balance=data, errors=dict(done.problems))
    return _back(request, scheme, organisation_id, "closed")


HANDLERS = [leaving_page, record_leaving, close_balance]
