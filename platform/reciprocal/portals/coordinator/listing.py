"""The coordinator's list of every referral in every state: filtered, sorted, one keyset page at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Result, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db import keyset
from reciprocal.kernel.dates import UK_TIME
from reciprocal.kernel.tables import Table
from reciprocal.partners.models import Organisation
from reciprocal.portals.coordinator.presenters import state_words
from reciprocal.referrals.models import Referral, ReferralArea
from reciprocal.referrals.workflow import State

PAGE_SIZE = 25
COUNTED_UP_TO = 1000
"""The list says how many referrals its filters find up to this many, then "more than" it."""

SORTS: dict[str, tuple[tuple[Any, keyset.Parse], ...]] = {
    "submitted": ((Referral.submitted_at, keyset.parse_datetime), (Referral.id, keyset.PARSE_ID)),
    "reference": ((Referral.reference, str), (Referral.id, keyset.PARSE_ID)),
    "state": (
        (Referral.state, State),
        (Referral.submitted_at, keyset.parse_datetime),
        (Referral.id, keyset.PARSE_ID),
    ),
}
"""Each column the list sorts by, with the columns that break its ties, each served by an index (0011)."""

LISTED = [state for state in State if state != State.draft]
"""Every state but the draft, which is its officer's alone."""


@dataclass(frozen=True)
class Filters:
    """What the coordinator chose to see; empty, every referral."""

    states: tuple[State, ...] = ()
    risk_types: tuple[str, ...] = ()
    landlords: tuple[uuid.UUID, ...] = ()
    safe_areas: tuple[uuid.UUID, ...] = ()
    submitted_from: date | None = None
    submitted_to: date | None = None


@dataclass(frozen=True)
class Sort:
    column: str = "submitted"
    descending: bool = True

    @property
    def order(self) -> keyset.Order:
        columns, parsers = zip(*SORTS[self.column], strict=True)
        return keyset.Order(columns, parsers, self.descending)


@dataclass(frozen=True)
class Listed:
    id: uuid.UUID
    reference: str
    state: State
    landlord: str | None
    risk_type: str | None
    submitted_at: datetime | None

    def key(self, sort: Sort) -> keyset.Key:
        """The cursor's values for this row in `sort`'s order: the sorted column, then the ties' columns."""
        values: dict[str, tuple[Any, ...]] = {
            "submitted": (self.submitted_at, self.id),
            "reference": (self.reference, self.id),
            "state": (self.state.value, self.submitted_at, self.id),
        }
        return tuple(keyset.as_text(value) for value in values[sort.column])


@dataclass(frozen=True)
class Listing:
    page: keyset.Page[Listed]
    count: int
    """How many referrals the filters find, up to COUNTED_UP_TO + 1 (that is, more than COUNTED_UP_TO)."""
    table: Table

    @property
    def count_words(self) -> str:
        if self.count > COUNTED_UP_TO:
            return f"More than {COUNTED_UP_TO:,} referrals"
        return f"{self.count:,} referral" + ("" if self.count == 1 else "s")


@dataclass(frozen=True)
class Choices:
    """What each filter offers: the scheme's risk types, landlords and areas by name."""

    risk_types: dict[str, str]
    landlords: dict[uuid.UUID, str]
    areas: dict[uuid.UUID, str]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UK_TIME)


def _conditions(tenant_id: uuid.UUID, filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [
        Referral.tenant_id == tenant_id,
        Referral.state.in_(filters.states or LISTED),
        Referral.reference.is_not(None),
        Referral.submitted_at.is_not(None),
    ]
    if filters.risk_types:
        found.append(Referral.risk_type.in_(filters.risk_types))
    if filters.landlords:
        found.append(Referral.current_landlord_id.in_(filters.landlords))
    if filters.safe_areas:
        found.append(
            select(ReferralArea.referral_id)
            .where(
                ReferralArea.tenant_id == Referral.tenant_id,
                ReferralArea.referral_id == Referral.id,
                ReferralArea.kind == "safe",
                ReferralArea.area_id.in_(filters.safe_areas),
            )
            .exists()
        )
    if filters.submitted_from:
        found.append(Referral.submitted_at >= _start_of(filters.submitted_from))
    if filters.submitted_to:
        found.append(Referral.submitted_at < _start_of(filters.submitted_to + timedelta(days=1)))
    return found


async def every_referral(
    db: AsyncSession,
    tenant_id: uuid.UUID,
    filters: Filters,
    sort: Sort,
    choices: Choices,
    *,
    after: str | None,
    before: str | None,
) -> Listing:
    """One page of the referrals the filters find, in `sort`'s order, and how many they find in all."""
    conditions = _conditions(tenant_id, filters)
    query, reading = keyset.paged(_listed(conditions), sort.order, after=after, before=before, size=PAGE_SIZE)
    rows = _rows(await db.execute(query))
    page = keyset.page_of(rows, lambda r: r.key(sort), size=PAGE_SIZE, reading=reading)
    # Counted no further than COUNTED_UP_TO: a page's cost must not grow with the scheme's history.
    found = select(Referral.id).where(*conditions).limit(COUNTED_UP_TO + 1).subquery()
    count = await db.scalar(select(func.count()).select_from(found)) or 0
    return Listing(page, count, table_of(page.rows, choices))


async def every_match(db: AsyncSession, tenant_id: uuid.UUID, filters: Filters, sort: Sort, choices: Choices) -> Table:
    """Every referral the filters find, in `sort`'s order, as the list's download carries them."""
    query, _ = keyset.paged(
        _listed(_conditions(tenant_id, filters)), sort.order, after=None, before=None, size=keyset.EVERY
    )
    return table_of(_rows(await db.execute(query)), choices)


def _rows(result: Result[uuid.UUID, str, State, str, str | None, datetime | None]) -> list[Listed]:
    return [Listed(rid, ref, state, landlord, risk, at) for rid, ref, state, landlord, risk, at in result]


def _listed(
    conditions: list[ColumnElement[bool]],
) -> Select[uuid.UUID, str, State, str, str | None, datetime | None]:
    return (
        select(
            Referral.id,
            func.coalesce(Referral.reference, ""),
            Referral.state,
            Organisation.name,
            Referral.risk_type,
            Referral.submitted_at,
        )
        .outerjoin(
            Organisation,
            (Organisation.tenant_id == Referral.tenant_id) & (Organisation.id == Referral.current_landlord_id),
        )
        .where(*conditions)
    )


COLUMNS = ("Reference", "Status", "Current landlord", "Risk type", "Submitted")


def table_of(rows: list[Listed], choices: Choices) -> Table:
    """The page's rows as the page shows them: what a download of the list carries."""
    return Table(
        name="referrals",
        title="Referrals",
        columns=COLUMNS,
        rows=[
            (
                row.reference,
                state_words(row.state),
                row.landlord or "Not given",
                choices.risk_types.get(row.risk_type or "", row.risk_type or "Not given"),
                row.submitted_at.astimezone(UK_TIME).date() if row.submitted_at else None,
            )
            for row in rows
        ],
    )
