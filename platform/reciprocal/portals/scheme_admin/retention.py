"""The scheme admin's retention page: the scheme's rules, and each run's receipt, on the page and as a download."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.tables import Table
from reciprocal.retention import rules
from reciprocal.retention import services as retention
from reciprocal.retention.models import RetentionReceipt
from reciprocal.tenancy.models import Scheme
from reciprocal.web import downloads

ADMIN = allow(Role.scheme_admin)


def receipts_table(lines: list[RetentionReceipt]) -> Table:
    """Every run's receipt, a line per kind of record: counts and dates, never anything of a case."""
    return Table(
        name="retention-receipts",
        title="Retention receipts",
        columns=("Ran", "Records", "Kept (days)", "Removed what ended before", "Removed"),
        rows=[
            (line.ran_at, rules.KINDS.get(line.what, line.what), line.kept_days, line.before, line.removed)
            for line in lines
        ],
    )


@get("/admin/retention", opt=ADMIN)
async def retention_page(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    fmt: Annotated[str | None, QueryParameter(name=downloads.DOWNLOAD)] = None,
) -> Template | Stream:
    """The rules and the latest runs' receipts; `?format=csv|xlsx` downloads every run's."""
    download_as = downloads.wanted(fmt)
    if download_as is not None:
        every = await retention.runs(db, scheme.id, limit=None)
        return downloads.download(db, actor, scheme, receipts_table(every), download_as)
    lines = await retention.runs(db, scheme.id)
    grouped: list[tuple[datetime, list[RetentionReceipt]]] = []
    for line in lines:
        if not grouped or grouped[-1][0] != line.ran_at:
            grouped.append((line.ran_at, []))
        grouped[-1][1].append(line)
    kept = [(rules.KINDS[what], rules.described(days)) for what, days in rules.days_of(scheme).items()]
    return Template(
        "scheme_admin/retention.html.j2",
        context={
            "scheme": scheme,
            "actor": actor,
            "kept": kept,
            "runs": grouped,
            "shown": retention.RECEIPT_RUNS,
            "kinds": rules.KINDS,
        },
    )


HANDLERS = [retention_page]
