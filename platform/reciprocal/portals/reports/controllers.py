"""The reports page: a scheme's figures for a period, for the coordinator and the funder (who sees only this)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel import clock
from reciprocal.kernel.dates import UK_TIME
from reciprocal.portals.reports import presenters
from reciprocal.reports import services
from reciprocal.reports.periods import MONTHS, PeriodErrors, parse
from reciprocal.tenancy.models import Scheme

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
) -> Template:
    asked = {name: str(request.query_params.get(name, ""))[:20] for name in FIELDS}
    today = clock.now().astimezone(UK_TIME).date()
    context: dict[str, Any] = {"scheme": scheme, "actor": actor, "asked": asked, "months": MONTHS, "today": today}
    try:
        period = parse(asked, today)
    except PeriodErrors as wrong:
        return Template(
            "reports/report.html.j2", context={**context, "errors": wrong.errors, "report": None}, status_code=400
        )
    counts = await services.counts(db, scheme.id, period)
    return Template(
        "reports/report.html.j2", context={**context, "errors": {}, "report": presenters.build(period, counts)}
    )


HANDLERS = [reports_page]
