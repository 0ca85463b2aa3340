"""The scheme admin's pages for handing a cohort to a successor scheme: the requests naming this scheme, matching
the partners that exist in both, agreeing, and the report once it is carried out (cohorts.services, .report)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.cohorts import report, services
from reciprocal.cohorts.models import CohortHandover
from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.tenancy.models import Scheme
from reciprocal.web import downloads
from reciprocal.web.forms import attempt
from reciprocal.web.urls import see_other

ADMIN = allow(Role.scheme_admin)
DONE = {"matched", "agreed"}


class MatchForm(msgspec.Struct):
    from_org: str = ""
    to_org: str = ""


async def scheme_names(db: AsyncSession, *requests: CohortHandover) -> dict[uuid.UUID, str]:
    ids = {r.from_scheme_id for r in requests} | {r.to_scheme_id for r in requests}
    return {sid: name for sid, name in await db.execute(select(Scheme.id, Scheme.name).where(Scheme.id.in_(ids)))}


@get("/admin/cohorts", opt=ADMIN)
async def cohorts_page(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Template:
    requests = list(await db.scalars(services.requests_for(actor.tenant_id)))
    names = await scheme_names(db, *requests)
    return Template("scheme_admin/cohorts.html.j2", context={"scheme": scheme, "requests": requests, "names": names})


@get("/admin/cohorts/{handover_id:uuid}", opt=ADMIN)
async def cohort_page(
    handover_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    done: FromQuery[str | None] = None,
    fmt: Annotated[str | None, QueryParameter(name=downloads.DOWNLOAD)] = None,
) -> Response[Any]:
    request = await services.request_for(db, actor.tenant_id, handover_id)
    names = await scheme_names(db, request)
    book = report.workbook(request, names[request.from_scheme_id], names[request.to_scheme_id])
    download_as = downloads.wanted(fmt)
    if download_as is not None:
        return downloads.download(db, actor, scheme, book, download_as)
    return _page(scheme, actor, request, names, book, done=done if done in DONE else None)


def _page(
    scheme: Scheme,
    actor: Actor,
    request: CohortHandover,
    names: dict[uuid.UUID, str],
    book: Any,
    *,
    done: str | None = None,
    error: str = "",
    status_code: int = 200,
) -> Template:
    return Template(
        "scheme_admin/cohort.html.j2",
        context={
            "scheme": scheme,
            "handover": request,
            "names": names,
            "book": book,
            "giving": request.from_scheme_id == actor.tenant_id,
            "to_names": {o["id"]: o["name"] for o in request.to_organisations},
            "done": done,
            "error": error,
        },
        status_code=status_code,
    )


async def _refused_page(
    db: AsyncSession, scheme: Scheme, actor: Actor, handover_id: uuid.UUID, refused: Refused
) -> Template:
    request = await services.request_for(db, actor.tenant_id, handover_id)
    names = await scheme_names(db, request)
    book = report.workbook(request, names[request.from_scheme_id], names[request.to_scheme_id])
    words = refused.message or "; ".join(words for _field, words in refused.problems)
    return _page(scheme, actor, request, names, book, error=words, status_code=400)


@post("/admin/cohorts/{handover_id:uuid}/match", opt=ADMIN, status_code=200)
async def match(
    request: Request[Any, Any, Any],
    handover_id: FromPath[uuid.UUID],
    data: URLEncodedBody[MatchForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    refused = await attempt(
        db, lambda: services.match(db, actor, handover_id, data.from_org.strip(), data.to_org.strip() or None)
    )
    if isinstance(refused, Refused):
        return await _refused_page(db, scheme, actor, handover_id, refused)
    return see_other(request, cohort_page, {"done": "matched"}, handover_id=handover_id)


@post("/admin/cohorts/{handover_id:uuid}/agree", opt=ADMIN, status_code=200)
async def agree(
    request: Request[Any, Any, Any],
    handover_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    refused = await attempt(db, lambda: services.agree(db, actor, handover_id))
    if isinstance(refused, Refused):
        return await _refused_page(db, scheme, actor, handover_id, refused)
    return see_other(request, cohort_page, {"done": "agreed"}, handover_id=handover_id)


HANDLERS = [cohorts_page, cohort_page, match, agree]
