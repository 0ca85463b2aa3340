"""The service's front page, a scheme's home, and the router that owns every /s/{scheme}/ page."""

from __future__ import annotations

from litestar import Router, get
from litestar.di import NamedDependency, Provide
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.controllers import criteria_page
from reciprocal.tenancy.dependencies import provide_db, provide_directory, provide_scheme
from reciprocal.tenancy.models import Scheme
from reciprocal.tenancy.services import list_schemes, scheme_counts


@get("/", dependencies={"directory": Provide(provide_directory)})
async def index(directory: NamedDependency[AsyncSession]) -> Template:
    return Template("index.html.j2", context={"schemes": await list_schemes(directory)})


@get("/")
async def scheme_home(db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]) -> Template:
    counts = await scheme_counts(db, scheme.id)
    return Template("scheme/home.html.j2", context={"scheme": scheme, "counts": counts})


scheme_router = Router(
    path="/s/{scheme_slug:str}",
    dependencies={"db": Provide(provide_db), "scheme": Provide(provide_scheme, sync_to_thread=False)},
    route_handlers=[scheme_home, criteria_page],
)
