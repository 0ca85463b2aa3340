"""The public criteria page of a scheme."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.presenters import rules_table
from reciprocal.criteria.services import current_criteria
from reciprocal.identity.access import PUBLIC
from reciprocal.tenancy.models import Scheme


@get("/criteria", opt=PUBLIC)
async def criteria_page(db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]) -> Template:
    published = await current_criteria(db, scheme.id)
    if published is None:
        raise NotFoundException
    table = rules_table(published.criteria, scheme.area_term)
    return Template("scheme/criteria.html.j2", context={"scheme": scheme, "published": published, "table": table})
