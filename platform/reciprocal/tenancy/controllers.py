"""The service's front page, listing the schemes, and each scheme's public home."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency, Provide
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import PUBLIC
from reciprocal.tenancy.dependencies import provide_directory
from reciprocal.tenancy.models import Scheme
from reciprocal.tenancy.services import list_schemes, scheme_counts


@get("/", dependencies={"directory": Provide(provide_directory)})
async def index(directory: NamedDependency[AsyncSession]) -> Template:
    return Template("index.html.j2", context={"schemes": await list_schemes(directory)})


@get("/", opt=PUBLIC)
async def scheme_home(db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]) -> Template:
    counts = await scheme_counts(db, scheme.id)
    return Template("scheme/home.html.j2", context={"scheme": scheme, "counts": counts})
