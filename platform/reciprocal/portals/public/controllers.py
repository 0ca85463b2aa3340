"""The pages anyone may read: the service's front page listing the schemes, each scheme's home and criteria."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.presenters import rules_table
from reciprocal.criteria.services import current_criteria
from reciprocal.identity.access import PUBLIC
from reciprocal.tenancy.models import Scheme
from reciprocal.tenancy.services import list_schemes, scheme_counts
from reciprocal.web.guard import provide_directory


@get("/", dependencies={"directory": Provide(provide_directory)})
async def index(directory: NamedDependency[AsyncSession]) -> Template:
    return Template("public/index.html.j2", context={"schemes": await list_schemes(directory)})


@get("/", opt=PUBLIC)
async def scheme_home(db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]) -> Template:
    counts = await scheme_counts(db, scheme.id)
    return Template("public/home.html.j2", context={"scheme": scheme, "counts": counts})


@get("/criteria", opt=PUBLIC)
async def criteria_page(db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]) -> Template:
    published = await current_criteria(db, scheme.id)
    if published is None:
        raise NotFoundException
    table = rules_table(published.criteria, scheme.area_term)
    return Template("public/criteria.html.j2", context={"scheme": scheme, "published": published, "table": table})


HANDLERS = [scheme_home, criteria_page]
