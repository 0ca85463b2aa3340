"""The scheme admin's areas: the list, adding one, renaming one (onboarding/areas.py). No area is ever deleted."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.onboarding import areas as setup
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt
from reciprocal.web.urls import see_other

ADMIN = allow(Role.scheme_admin)
DONE = {"added", "renamed"}


class AreaForm(msgspec.Struct):
    name: str = ""


@get("/admin/areas", opt=ADMIN)
async def areas_page(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    done: FromQuery[str | None] = None,
) -> Template:
    return await _list(db, scheme, actor, AreaForm(), {}, done=done if done in DONE else None)


async def _list(
    db: AsyncSession,
    scheme: Scheme,
    actor: Actor,
    form: AreaForm,
    errors: dict[str, str],
    *,
    done: str | None = None,
    status_code: int = 200,
) -> Template:
    areas = await setup.list_areas(db, actor)
    return Template(
        "scheme_admin/areas.html.j2",
        context={"scheme": scheme, "areas": areas, "form": form, "errors": errors, "done": done},
        status_code=status_code,
    )


@post("/admin/areas", opt=ADMIN, status_code=200)
async def add_area(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[AreaForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    refused = await attempt(db, lambda: setup.add_area(db, actor, data.name))
    if isinstance(refused, Refused):
        return await _list(db, scheme, actor, data, dict(refused.problems), status_code=400)
    return see_other(request, areas_page, {"done": "added"})


@get("/admin/areas/{area_id:uuid}", opt=ADMIN)
async def area_page(
    area_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    area = await setup.find_area(db, actor, area_id)
    return _rename(scheme, area.id, area.name, AreaForm(name=area.name), {})


def _rename(
    scheme: Scheme, area_id: uuid.UUID, name: str, form: AreaForm, errors: dict[str, str], status_code: int = 200
) -> Template:
    return Template(
        "scheme_admin/area.html.j2",
        context={"scheme": scheme, "area_id": area_id, "current": name, "form": form, "errors": errors},
        status_code=status_code,
    )


@post("/admin/areas/{area_id:uuid}", opt=ADMIN, status_code=200)
async def rename_area(
    request: Request[Any, Any, Any],
    area_id: FromPath[uuid.UUID],
    data: URLEncodedBody[AreaForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    area = await setup.find_area(db, actor, area_id)
    current = area.name
    refused = await attempt(db, lambda: setup.rename_area(db, actor, area_id, data.name))
    if isinstance(refused, Refused):
        return _rename(scheme, area_id, current, data, dict(refused.problems), status_code=400)
    return see_other(request, areas_page, {"done": "renamed"})


HANDLERS = [areas_page, add_area, area_page, rename_area]
