"""The coordinator's enquiry log: every enquiry, newest first (the checker's and those logged), and logging one."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.schemas import Criteria
from reciprocal.criteria.services import current_criteria
from reciprocal.db import keyset
from reciprocal.enquiries import services as enquiries
from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel import dates
from reciprocal.kernel.dates import govuk_date
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.fields import date_from_parts
from reciprocal.kernel.tables import Table
from reciprocal.portals.coordinator.queries import risk_labels
from reciprocal.tenancy.models import Scheme
from reciprocal.web.downloads import DOWNLOAD, download, wanted
from reciprocal.web.forms import attempt
from reciprocal.web.urls import see_other

COORDINATOR = allow(Role.coordinator)
NOT_SAID = "Not said"


def enquiry_table(page: keyset.Page[enquiries.EnquiryRow], risk_labels: dict[str, str]) -> Table:
    """The log as the page shows it: words, never keys, and no one but the coordinator who logged it named."""
    return Table(
        name="enquiries",
        title="Enquiries",
        columns=["Received", "How", "Type of risk", "Kind of agency", "Outcome", "Logged by"],
        rows=[
            [
                govuk_date(row.received_at),
                enquiries.CHANNEL_WORDS[row.channel],
                risk_labels.get(row.risk_type, row.risk_type) if row.risk_type else NOT_SAID,
                enquiries.AGENCY_KINDS.get(row.agency_kind, row.agency_kind) if row.agency_kind else NOT_SAID,
                enquiries.OUTCOMES.get(row.outcome, row.outcome),
                row.logged_by or "Anonymous check",
            ]
            for row in page.rows
        ],
    )


@get("/coordinator/enquiries", opt=COORDINATOR)
async def enquiries_page(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    after: FromQuery[str | None] = None,
    before: FromQuery[str | None] = None,
    done: FromQuery[str | None] = None,
    fmt: Annotated[str | None, QueryParameter(name=DOWNLOAD)] = None,
) -> Template | Stream:
    """The scheme's enquiries, newest first, a page at a time by cursor; `?format=csv|xlsx` downloads them all."""
    download_as = wanted(fmt)
    page = await enquiries.recent_enquiries(db, scheme.id, after=after, before=before, every=bool(download_as))
    labels = await risk_labels(db, scheme.id)
    if download_as:
        return download(db, actor, scheme, enquiry_table(page, labels), download_as)
    return Template(
        "coordinator/enquiries.html.j2",
        context={
            "scheme": scheme,
            "table": enquiry_table(page, labels),
            "next": page.next,
            "previous": page.previous,
            "done": "Enquiry logged" if done == "logged" else None,
        },
    )


class EnquiryForm(msgspec.Struct):
    received_day: str = ""
    received_month: str = ""
    received_year: str = ""
    channel: str = ""
    risk_type: str = ""
    agency_kind: str = ""
    outcome: str = ""


async def _criteria(db: AsyncSession, scheme: Scheme) -> Criteria:
    published = await current_criteria(db, scheme.id)
    if published is None:
        raise NotFoundException
    return published.criteria


def _form_page(
    scheme: Scheme, criteria: Criteria, form: EnquiryForm, errors: dict[str, str], status_code: int = 200
) -> Template:
    return Template(
        "coordinator/enquiry_new.html.j2",
        context={
            "scheme": scheme,
            "criteria": criteria,
            "form": form,
            "errors": errors,
            "agency_kinds": enquiries.AGENCY_KINDS,
            "outcomes": enquiries.OUTCOMES,
        },
        status_code=status_code,
    )


@get("/coordinator/enquiries/new", opt=COORDINATOR)
async def new_enquiry(db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]) -> Template:
    today = dates.today()
    form = EnquiryForm(str(today.day), str(today.month), str(today.year))
    return _form_page(scheme, await _criteria(db, scheme), form, {})


@post("/coordinator/enquiries/new", opt=COORDINATOR, status_code=200)
async def log_enquiry(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[EnquiryForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    """Log an enquiry that came by phone or email: every field checked, said on the page again if wrong."""
    criteria = await _criteria(db, scheme)
    entry = enquiries.LoggedEnquiry(
        received_on=_received(data),
        channel=data.channel,
        risk_type=data.risk_type,
        agency_kind=data.agency_kind,
        outcome=data.outcome,
    )
    refused = await attempt(db, lambda: enquiries.log_enquiry(db, actor, criteria, entry, today=dates.today()))
    if isinstance(refused, Refused):
        return _form_page(scheme, criteria, data, dict(refused.problems), status_code=400)
    return see_other(request, enquiries_page, {"done": "logged"})


def _received(data: EnquiryForm) -> date | None:
    """The date received, or None when it is missing or not a real date (the service says which to fix)."""
    try:
        return date_from_parts(data.received_day, data.received_month, data.received_year)
    except ValueError:
        return None


HANDLERS = [enquiries_page, new_enquiry, log_enquiry]
