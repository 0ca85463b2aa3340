"""The coordinator's list of every referral: the MOJ filter layout over `listing`, with removable tags,
sortable columns and Previous / Next by cursor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.datastructures import MultiDict
from litestar.di import NamedDependency
from litestar.response import Stream, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.fields import date_from_parts
from reciprocal.partners.models import Organisation
from reciprocal.portals.coordinator import listing
from reciprocal.portals.coordinator import presenters as words
from reciprocal.portals.coordinator.queries import risk_labels
from reciprocal.referrals.circulation import HOUSING_PARTNERS
from reciprocal.referrals.workflow import State
from reciprocal.tenancy.models import Area, Scheme
from reciprocal.web.downloads import DOWNLOAD, download, wanted
from reciprocal.web.urls import page_links

SORT_TITLES = {"reference": "Reference", "state": "Status", "submitted": "Submitted"}
DATES = {"submitted-from": "Submitted from", "submitted-to": "Submitted to"}
"""The date filters' field ids and the words the page names them by."""


async def choices(db: AsyncSession, tenant_id: uuid.UUID) -> listing.Choices:
    landlords = await db.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.tenant_id == tenant_id, Organisation.kind.in_(HOUSING_PARTNERS))
        .order_by(Organisation.name)
    )
    areas = await db.execute(select(Area.id, Area.name).where(Area.tenant_id == tenant_id).order_by(Area.name))
    return listing.Choices(await risk_labels(db, tenant_id), dict(landlords.all()), dict(areas.all()))


def _ids(values: list[str], known: dict[uuid.UUID, str]) -> tuple[uuid.UUID, ...]:
    found: list[uuid.UUID] = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return tuple(dict.fromkeys(i for i in found if i in known))


def _date(query: MultiDict[str], field_id: str, errors: dict[str, str]) -> date | None:
    name = DATES[field_id]
    parts = (query.get(f"{field_id}-{part}", "") or "" for part in ("day", "month", "year"))
    try:
        return date_from_parts(*parts)
    except ValueError as wrong:
        errors[field_id] = (
            f"{name} must include a day, month and year"
            if str(wrong) == "incomplete"
            else f"{name} must be a real date"
        )
        return None


def read_filters(query: MultiDict[str], known: listing.Choices) -> tuple[listing.Filters, dict[str, str]]:
    """The filters the query asks for; values that are not the scheme's are dropped, and dates that are not
    real dates are named in the errors (and not applied)."""
    errors: dict[str, str] = {}
    asked = query.getall("state", [])
    states = tuple(dict.fromkeys(State(s) for s in asked if s in set(listing.LISTED)))
    if len(states) < len(set(asked)):
        errors["state"] = "Select statuses from the list"
    risks = tuple(dict.fromkeys(r for r in query.getall("risk", []) if r in known.risk_types))
    start, end = _date(query, "submitted-from", errors), _date(query, "submitted-to", errors)
    if start and end and end < start:
        errors["submitted-to"] = "Submitted to must be the same as or after submitted from"
        end = None
    filters = listing.Filters(
        states=states,
        risk_types=risks,
        landlords=_ids(query.getall("landlord", []), known.landlords),
        safe_areas=_ids(query.getall("area", []), known.areas),
        submitted_from=start,
        submitted_to=end,
    )
    return filters, errors


def read_sort(query: MultiDict[str]) -> listing.Sort:
    column = query.get("sort") or "submitted"
    if column not in listing.SORTS:
        column = "submitted"
    return listing.Sort(column, descending=query.get("order") != "ascending")


Params = list[tuple[str, str]]


def filter_params(filters: listing.Filters) -> Params:
    params: Params = [("state", s.value) for s in filters.states]
    params += [("risk", r) for r in filters.risk_types]
    params += [("landlord", str(i)) for i in filters.landlords]
    params += [("area", str(i)) for i in filters.safe_areas]
    for field_id, day in (("submitted-from", filters.submitted_from), ("submitted-to", filters.submitted_to)):
        if day:
            params += [(f"{field_id}-day", str(day.day)), (f"{field_id}-month", str(day.month))]
            params.append((f"{field_id}-year", str(day.year)))
    return params


def sort_params(sort: listing.Sort) -> Params:
    if sort == listing.Sort():
        return []
    return [("sort", sort.column), ("order", "descending" if sort.descending else "ascending")]


@dataclass(frozen=True)
class Tag:
    text: str
    href: str


@dataclass(frozen=True)
class Heading:
    """A column header: its words, the link that sorts by it (or turns the order round), its aria-sort."""

    text: str
    href: str
    aria_sort: str


def _tags(
    base: str, filters: listing.Filters, sort: listing.Sort, known: listing.Choices
) -> list[tuple[str, list[Tag]]]:
    """The selected filters by category, each a link to the list without it."""
    every = filter_params(filters)

    def without(*dropped: tuple[str, str]) -> str:
        kept = [p for p in every if p not in dropped] + sort_params(sort)
        return base + ("?" + urlencode(kept) if kept else "")

    def dates(field_id: str, day: date | None) -> list[Tag]:
        if day is None:
            return []
        parts = [(f"{field_id}-{k}", str(v)) for k, v in (("day", day.day), ("month", day.month), ("year", day.year))]
        return [Tag(f"{DATES[field_id]} {day.day} {day:%B} {day.year}", without(*parts))]

    groups = [
        ("Status", [Tag(words.state_words(s), without(("state", s.value))) for s in filters.states]),
        ("Risk type", [Tag(known.risk_types[r], without(("risk", r))) for r in filters.risk_types]),
        ("Current landlord", [Tag(known.landlords[i], without(("landlord", str(i)))) for i in filters.landlords]),
        ("Safe area", [Tag(known.areas[i], without(("area", str(i)))) for i in filters.safe_areas]),
        (
            "Submitted",
            dates("submitted-from", filters.submitted_from) + dates("submitted-to", filters.submitted_to),
        ),
    ]
    return [(title, tags) for title, tags in groups if tags]


def _options(filters: listing.Filters, known: listing.Choices) -> dict[str, list[dict[str, Any]]]:
    """Each filter's checkboxes, ticked as chosen."""

    def boxes(pairs: list[tuple[Any, str]], chosen: tuple[Any, ...]) -> list[dict[str, Any]]:
        return [{"value": str(value), "text": text, "checked": value in chosen} for value, text in pairs]

    return {
        "state": boxes([(s, words.state_words(s)) for s in listing.LISTED], filters.states),
        "risk": boxes(list(known.risk_types.items()), filters.risk_types),
        "landlord": boxes(list(known.landlords.items()), filters.landlords),
        "area": boxes(list(known.areas.items()), filters.safe_areas),
    }


def _headings(base: str, filters: listing.Filters, sort: listing.Sort) -> dict[str, Heading]:
    found: dict[str, Heading] = {}
    for column, text in SORT_TITLES.items():
        current = sort.column == column
        # A click on the sorted column turns it round; on another, sorts by it (newest or A first).
        turned = listing.Sort(column, descending=not sort.descending if current else column == "submitted")
        params = filter_params(filters) + sort_params(turned)
        aria = ("descending" if sort.descending else "ascending") if current else "none"
        found[column] = Heading(text, base + ("?" + urlencode(params) if params else ""), aria)
    return found


@get("/coordinator/referrals", opt=allow(Role.coordinator))
async def referrals_page(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template | Stream:
    """Every referral in every state, closed and ended ones too, filtered (`?state=` as the work queue links),
    sorted and paged by cursor (`?after=` / `?before=`); `?format=csv|xlsx` downloads every one it finds."""
    query = request.query_params
    download_as = wanted(query.get(DOWNLOAD))
    known = await choices(db, scheme.id)
    filters, errors = read_filters(query, known)
    sort = read_sort(query)
    if download_as and not errors:
        return download(db, actor, scheme, await listing.every_match(db, scheme.id, filters, sort, known), download_as)
    found = await listing.every_referral(
        db, scheme.id, filters, sort, known, after=query.get("after"), before=query.get("before")
    )
    base = f"/s/{scheme.slug}/coordinator/referrals"
    kept = filter_params(filters) + sort_params(sort)

    typed = {k: query.get(k, "") for k in (f"{f}-{p}" for f in DATES for p in ("day", "month", "year"))}
    return Template(
        "coordinator/referrals.html.j2",
        context={
            "scheme": scheme,
            "listing": found,
            "lines": list(zip(found.page.rows, found.table.rows, strict=True)),
            "filters": filters,
            "options": _options(filters, known),
            "error_list": [
                {"text": message, "href": f"#{field_id}" if field_id == "state" else f"#{field_id}-day"}
                for field_id, message in errors.items()
            ],
            "tags": _tags(base, filters, sort, known),
            "clear": base + ("?" + urlencode(sort_params(sort)) if sort_params(sort) else ""),
            "headings": _headings(base, filters, sort),
            "sort": sort,
            **page_links(base, kept, found.page),
            "errors": errors,
            "typed": typed,
            "stage_by_state": words.STAGE_BY_STATE,
            "download_href": base + ("?" + urlencode(kept) if kept else ""),
        },
        status_code=400 if errors else 200,
    )


HANDLERS = [referrals_page]
