"""The areas report: where live referrals could live (demand) and where offers and moves were (supply), as maps."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.portals.area_reports.period import DateField, read_period
from reciprocal.portals.area_reports.presenters import MapOnPage
from reciprocal.reports.area_maps import demand_map, supply_maps
from reciprocal.reports.areas import today
from reciprocal.tenancy.models import Scheme

REPORTS = allow(Role.coordinator, Role.funder)


@get("/reports/areas", opt=REPORTS)
async def areas_report(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    from_day: Annotated[str, QueryParameter(name="from-day")] = "",
    from_month: Annotated[str, QueryParameter(name="from-month")] = "",
    from_year: Annotated[str, QueryParameter(name="from-year")] = "",
    to_day: Annotated[str, QueryParameter(name="to-day")] = "",
    to_month: Annotated[str, QueryParameter(name="to-month")] = "",
    to_year: Annotated[str, QueryParameter(name="to-year")] = "",
) -> Template:
    """The maps for a period (`?from-day=1&from-month=4&...`, the last twelve months if none is given). A wrong
    date is named in an error summary, and the supply maps wait for a right one."""
    start = DateField("from", "start date", from_day, from_month, from_year)
    end = DateField("to", "end date", to_day, to_month, to_year)
    period, errors = read_period(start, end, today())
    if period is not None:
        start, end = start.filled(period.first), end.filled(period.last)
    return Template(
        "reports/areas.html.j2",
        context={
            "scheme": scheme,
            "actor": actor,
            "period": period,
            "start": start,
            "end": end,
            "errors": errors,
            "error_list": [{"text": text, "href": f"#{field}-day"} for field, text in errors.items()],
            "demand": MapOnPage(await demand_map(db, scheme)),
            "supply": [MapOnPage(m) for m in await supply_maps(db, scheme, period.first, period.last)]
            if period
            else [],
        },
        status_code=400 if errors else 200,
    )


HANDLERS = [areas_report]
