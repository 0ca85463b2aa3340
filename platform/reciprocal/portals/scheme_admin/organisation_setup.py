"""The scheme admin's organisation set-up: adding one, and changing its name, kind, areas covered and its
Working Together Agreement's dates (onboarding/organisations.py)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.onboarding import organisations as setup
from reciprocal.partners.models import Organisation
from reciprocal.tenancy.models import Area, Scheme
from reciprocal.web.forms import attempt
from reciprocal.web.urls import see_other

ADMIN = allow(Role.scheme_admin)
FIELDS = ("name", "kind", "signed-day", "signed-month", "signed-year", "review-day", "review-month", "review-year")


def _typed_of(organisation: Organisation | None, covered: list[uuid.UUID]) -> dict[str, Any]:
    typed: dict[str, Any] = dict.fromkeys(FIELDS, "")
    typed["areas"] = [str(a) for a in covered]
    if organisation is not None:
        typed["name"], typed["kind"] = organisation.name, str(organisation.kind)
        for prefix, when in (
            ("signed", organisation.agreement_signed_on),
            ("review", organisation.agreement_review_on),
        ):
            if when is not None:
                typed[f"{prefix}-day"], typed[f"{prefix}-month"], typed[f"{prefix}-year"] = (
                    str(when.day),
                    str(when.month),
                    str(when.year),
                )
    return typed


async def _page(
    db: AsyncSession,
    scheme: Scheme,
    organisation_id: uuid.UUID | None,
    typed: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    areas = list(await db.scalars(select(Area).where(Area.tenant_id == scheme.id).order_by(Area.name)))
    return Template(
        "scheme_admin/organisation_setup.html.j2",
        context={
            "scheme": scheme,
            "organisation_id": organisation_id,
            "typed": typed,
            "errors": errors,
            "areas": areas,
            "kinds": setup.KIND_WORDS,
        },
        status_code=status_code,
    )


async def _change(request: Request[Any, Any, Any]) -> tuple[setup.OrganisationChange, dict[str, Any]]:
    form = await request.form()
    typed: dict[str, Any] = {field: str(form.get(field, ""))[:300] for field in FIELDS}
    typed["areas"] = [str(a) for a in form.getall("areas", [])]
    change = setup.OrganisationChange(
        name=typed["name"],
        kind=typed["kind"],
        area_ids=typed["areas"],
        signed=(typed["signed-day"], typed["signed-month"], typed["signed-year"]),
        review=(typed["review-day"], typed["review-month"], typed["review-year"]),
    )
    return change, typed


@get("/admin/setup/organisations/new", opt=ADMIN)
async def new_organisation_page(db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]) -> Template:
    return await _page(db, scheme, None, _typed_of(None, []), {})


@post("/admin/setup/organisations/new", opt=ADMIN, status_code=200)
async def add_organisation(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    change, typed = await _change(request)
    done = await attempt(db, lambda: setup.add_organisation(db, actor, change))
    if isinstance(done, Refused):
        return await _page(db, scheme, None, typed, dict(reversed(done.problems)), status_code=400)
    return see_other(request, organisation_page, organisation_id=done.id)


@get("/admin/setup/organisations/{organisation_id:uuid}", opt=ADMIN)
async def organisation_page(
    organisation_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    organisation = await setup.find_organisation(db, actor, organisation_id)
    covered = await setup.covered_areas(db, actor, organisation_id)
    return await _page(db, scheme, organisation_id, _typed_of(organisation, covered), {})


@post("/admin/setup/organisations/{organisation_id:uuid}", opt=ADMIN, status_code=200)
async def change_organisation(
    request: Request[Any, Any, Any],
    organisation_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    await setup.find_organisation(db, actor, organisation_id)
    change, typed = await _change(request)
    done = await attempt(db, lambda: setup.change_organisation(db, actor, organisation_id, change))
    if isinstance(done, Refused):
        return await _page(db, scheme, organisation_id, typed, dict(reversed(done.problems)), status_code=400)
    return see_other(request, organisation_page, organisation_id=organisation_id)


HANDLERS = [new_organisation_page, add_organisation, organisation_page, change_organisation]
