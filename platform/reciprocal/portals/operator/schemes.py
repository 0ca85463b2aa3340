"""The operator's actions on a scheme as a whole: creating one from a preset (provisioning/presets.py),
suspending and resuming it (onboarding/running.py)."""

from __future__ import annotations

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from reciprocal.db.engine import Database
from reciprocal.identity.access import ALLOW
from reciprocal.kernel.errors import Refused
from reciprocal.onboarding.running import UnknownScheme, set_suspended
from reciprocal.operations.services import SignedInOperator
from reciprocal.provisioning.presets import PRESETS, NewScheme, create_scheme
from reciprocal.settings import Settings
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


class NewSchemeForm(msgspec.Struct):
    preset: str = ""
    slug: str = ""
    name: str = ""
    region: str = ""
    reference_prefix: str = ""


def _form(form: NewSchemeForm, errors: dict[str, str], status_code: int = 200) -> Template:
    return Template(
        "operator/new_scheme.html.j2",
        context={"form": form, "errors": errors, "presets": PRESETS},
        status_code=status_code,
    )


@get("/schemes/new", opt=OPERATOR)
async def new_scheme_page(operator: NamedDependency[SignedInOperator]) -> Template:
    return _form(NewSchemeForm(), {})


@post("/schemes/new", opt=OPERATOR, status_code=200)
async def new_scheme(
    state: State, data: URLEncodedBody[NewSchemeForm], operator: NamedDependency[SignedInOperator]
) -> Response[None] | Template:
    """Create the scheme, or show the form again with each field's problem and nothing made."""
    new = NewScheme(
        data.preset, data.slug.strip(), data.name.strip(), data.region.strip(), data.reference_prefix.strip()
    )
    database: Database = state.db
    settings: Settings = state.settings
    try:
        await create_scheme(database, settings.tenants_dir, new, by=f"operator {operator.operator_id}")
    except Refused as refused:
        return _form(data, dict(reversed(refused.problems)), status_code=400)
    return Redirect(f"/operator/?created={new.slug}#scheme-{new.slug}", status_code=303)


HANDLERS = [new_scheme_page, new_scheme, suspend_scheme, resume_scheme]
