"""The reports page: a scheme's figures for a period, for the coordinator and the funder (who sees only this)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel import dates
from reciprocal.portals.reports import presenters
from reciprocal.reports import services
from reciprocal.reports.area_maps import demand_map, supply_maps
from reciprocal.reports.periods import MONTHS, PeriodErrors, parse
from reciprocal.reports.suppression import figure
from reciprocal.tenancy.models import Scheme
from reciprocal.web.downloads import DOWNLOAD, download, wanted

REPORTS = allow(Role.coordinator, Role.funder)

FIELDS = (
    "period",
    "month",
    "month-year",
    "quarter",
    "quarter-year",
    "year",
    *(f"{date}-{part}" for date in ("from", "to") for part in ("day", "month", "year")),
)
"""The period form's fields: what the page reads from its query, and gives back to the form."""


@get("/reports", opt=REPORTS)
async def reports_page(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template | Stream:
    """The scheme's figures for a period, with its charts and maps; `?format=csv|xlsx` downloads all of it."""
    download_as = wanted(request.query_params.get(DOWNLOAD))
    asked = {name: str(request.query_params.get(name, ""))[:20] for name in FIELDS}
    today = dates.today()
    context: dict[str, Any] = {"scheme": scheme, "actor": actor, "asked": asked, "months": MONTHS}
    try:
        period = parse(asked, today)
    except PeriodErrors as wrong:
        return Template(
            "reports/report.html.j2", context={**context, "errors": wrong.errors, "report": None}, status_code=400
        )
    supply = await supply_maps(db, scheme, period.first, period.last)
    report = presenters.build(
        period, await services.counts(db, scheme.id, period), [m.total or figure(0) for m in supply]
    )
    maps = [await demand_map(db, scheme), *supply]
    if download_as:
        book = presenters.workbook(report, [m.table for m in maps], scheme.name)
        return download(db, actor, scheme, book, download_as)
    kept = {name: value for name, value in asked.items() if value}
    return Template(
        "reports/report.html.j2",
        context={
            **context,
            "errors": {},
            "report": report,
            "maps": maps,
            "download_href": f"/s/{scheme.slug}/reports" + (f"?{urlencode(kept)}" if kept else ""),
        },
    )


HANDLERS = [reports_page]
