"""The operator's pages for handing a cohort to a successor scheme: ask for it, see both admins' agreement, carry
it out, and its report (page and CSV). Scheme names, risk types, partner names and references only."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Stream, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.cohorts import report, services
from reciprocal.cohorts.models import CohortHandover
from reciprocal.cohorts.moving import unscoped_hand_over
from reciprocal.db.engine import Database
from reciprocal.exports.formats import csv_chunks
from reciprocal.identity.access import ALLOW
from reciprocal.kernel.errors import NotFound, Refused
from reciprocal.operations.services import SignedInOperator
from reciprocal.tenancy.models import Scheme
from reciprocal.web.downloads import DOWNLOAD, FORMATS

OPERATOR: dict[str, Any] = {ALLOW: "operator"}
"""As controllers.OPERATOR (not imported: that module lists these pages)."""
PATH = "/operator/cohorts"


class RequestForm(msgspec.Struct):
    from_scheme: str = ""
    to_scheme: str = ""
    risk_type: str = ""


async def _schemes(db: AsyncSession) -> list[Scheme]:
    return list(await db.scalars(select(Scheme).order_by(Scheme.name)))


async def _page(
    db: AsyncSession,
    operator: SignedInOperator,
    form: RequestForm | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    requests = list(await db.scalars(select(CohortHandover).order_by(CohortHandover.created_at.desc()).limit(50)))
    schemes = await _schemes(db)
    return Template(
        "operator/cohorts.html.j2",
        context={
            "operator": operator,
            "handovers": requests,
            "schemes": schemes,
            "names": {s.id: s.name for s in schemes},
            "form": form or RequestForm(),
            "errors": errors or {},
        },
        status_code=status_code,
    )


@get("/cohorts", opt=OPERATOR)
async def cohorts_page(db: NamedDependency[AsyncSession], operator: NamedDependency[SignedInOperator]) -> Template:
    return await _page(db, operator)


@post("/cohorts", opt=OPERATOR, status_code=200)
async def ask(
    state: State,
    data: URLEncodedBody[RequestForm],
    db: NamedDependency[AsyncSession],
    operator: NamedDependency[SignedInOperator],
) -> Response[Any]:
    database: Database = state.db
    try:
        made = await services.unscoped_request(
            database, operator.operator_id, data.from_scheme, data.to_scheme, data.risk_type
        )
    except Refused as refused:
        return await _page(db, operator, data, dict(refused.problems), status_code=400)
    return Redirect(f"{PATH}/{made.id}", status_code=303)


async def _found(db: AsyncSession, handover_id: uuid.UUID) -> CohortHandover:
    found = await db.get(CohortHandover, handover_id)
    if found is None:
        raise NotFoundException()
    return found


@get("/cohorts/{handover_id:uuid}", opt=OPERATOR)
async def cohort_page(
    handover_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    operator: NamedDependency[SignedInOperator],
    fmt: Annotated[str | None, QueryParameter(name=DOWNLOAD)] = None,
) -> Response[Any]:
    return await _cohort(db, operator, await _found(db, handover_id), fmt=fmt)


async def _cohort(
    db: AsyncSession,
    operator: SignedInOperator,
    handover: CohortHandover,
    *,
    fmt: str | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response[Any]:
    names = {s.id: s.name for s in await _schemes(db)}
    book = report.workbook(handover, names[handover.from_scheme_id], names[handover.to_scheme_id])
    if fmt == "csv":
        return Stream(
            csv_chunks(book),
            media_type=FORMATS["csv"],
            headers={
                "content-disposition": f'attachment; filename="cohort-handover-{handover.id}.csv"',
                "x-content-type-options": "nosniff",
            },
        )
    if fmt is not None:
        raise NotFoundException("There is no download but csv")
    return Template(
        "operator/cohort.html.j2",
        context={
            "operator": operator,
            "handover": handover,
            "names": names,
            "book": book,
            "agreed": services.both_agreed(handover),
            "error": error,
        },
        status_code=status_code,
    )


@post("/cohorts/{handover_id:uuid}/hand-over", opt=OPERATOR, status_code=200)
async def hand_over(
    state: State,
    handover_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    operator: NamedDependency[SignedInOperator],
) -> Response[Any]:
    database: Database = state.db
    try:
        await unscoped_hand_over(database, operator.operator_id, handover_id)
    except NotFound:
        raise NotFoundException() from None
    except Refused as refused:
        return await _cohort(db, operator, await _found(db, handover_id), error=refused.message, status_code=400)
    return Redirect(f"{PATH}/{handover_id}", status_code=303)


HANDLERS = [cohorts_page, ask, cohort_page, hand_over]
