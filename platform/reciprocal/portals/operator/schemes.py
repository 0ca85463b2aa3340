"""The operator's actions on a scheme as a whole: suspending and resuming it (tenancy/running.py)."""

from __future__ import annotations

from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from reciprocal.db.engine import Database
from reciprocal.identity.access import ALLOW
from reciprocal.operations.services import SignedInOperator
from reciprocal.tenancy.running import UnknownScheme, set_suspended
from reciprocal.web.schemes import SchemeDirectory

OPERATOR = {ALLOW: "operator"}


async def _set(state: State, slug: str, operator: SignedInOperator, *, suspended: bool) -> None:
    database: Database = state.db
    try:
        tenant_id, _ = await set_suspended(database, slug, suspended=suspended, by=f"operator {operator.operator_id}")
    except UnknownScheme:
        raise NotFoundException() from None
    directory: SchemeDirectory = state.schemes
    directory.forget(tenant_id)  # committed already: this process sees it at once, the others within the cache


@post("/schemes/{slug:str}/suspend", opt=OPERATOR, status_code=200)
async def suspend_scheme(
    request: Request[object, object, State],
    state: State,
    slug: FromPath[str],
    operator: NamedDependency[SignedInOperator],
) -> Response[None]:
    await _set(state, slug, operator, suspended=True)
    return Redirect(f"/operator/#scheme-{slug}", status_code=303)


@post("/schemes/{slug:str}/resume", opt=OPERATOR, status_code=200)
async def resume_scheme(
    request: Request[object, object, State],
    state: State,
    slug: FromPath[str],
    operator: NamedDependency[SignedInOperator],
) -> Response[None]:
    await _set(state, slug, operator, suspended=False)
    return Redirect(f"/operator/#scheme-{slug}", status_code=303)


HANDLERS = [suspend_scheme, resume_scheme]
