"""Figures per area, for the tile-grid maps: demand (safe areas named by live referrals) and supply (offers made,
moves), each one grouped query in the scheme. Raw counts: callers put them through reports.suppression."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.kernel import dates
from reciprocal.kernel.dates import UK_TIME
from reciprocal.referrals.models import Move, Offer, Referral, ReferralArea
from reciprocal.referrals.workflow import State
from reciprocal.reports.maps import Place, short_label
from reciprocal.tenancy.models import Area

LIVE = (State.approved, State.circulating, State.offer_made, State.viewing, State.accepted)
"""Referrals still looking for a home: approved, circulating or under offer."""

HOUSED_WINDOW = timedelta(days=365)
"""How far back "housed here in the last year" looks."""


async def places(db: AsyncSession, tenant_id: uuid.UUID) -> list[Place]:
    """The scheme's areas by name, each where its map places it."""
    rows = await db.execute(
        select(Area.code, Area.name, Area.short_name, Area.grid_row, Area.grid_column, Area.id)
        .where(Area.tenant_id == tenant_id)
        .order_by(Area.name)
    )
    return [
        Place(code, name, short_label(name, short), row, column, id_) for code, name, short, row, column, id_ in rows
    ]


async def demand(db: AsyncSession, tenant_id: uuid.UUID) -> dict[str, int]:
    """Area code -> how many live referrals name it as a safe area."""
    rows = await db.execute(
        select(Area.code, func.count())
        .select_from(ReferralArea)
        .join(Referral, (Referral.tenant_id == ReferralArea.tenant_id) & (Referral.id == ReferralArea.referral_id))
        .join(Area, (Area.tenant_id == ReferralArea.tenant_id) & (Area.id == ReferralArea.area_id))
        .where(ReferralArea.tenant_id == tenant_id, ReferralArea.kind == "safe", Referral.state.in_(LIVE))
        .group_by(Area.code)
    )
    return {code: count for code, count in rows}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), UK_TIME)


async def offers_made(db: AsyncSession, tenant_id: uuid.UUID, first: date, last: date) -> dict[str, int]:
    """Area code -> offers made from `first` to `last` (both included, UK dates), whatever became of them."""
    rows = await db.execute(
        select(Area.code, func.count())
        .select_from(Offer)
        .join(Area, (Area.tenant_id == Offer.tenant_id) & (Area.id == Offer.area_id))
        .where(
            Offer.tenant_id == tenant_id,
            Offer.created_at >= _start_of(first),
            Offer.created_at < _start_of(last + timedelta(days=1)),
        )
        .group_by(Area.code)
    )
    return {code: count for code, count in rows}


async def moves(db: AsyncSession, tenant_id: uuid.UUID, first: date, last: date) -> dict[str, int]:
    """Area code -> moves into it from `first` to `last` (both included)."""
    rows = await db.execute(
        select(Area.code, func.count())
        .select_from(Move)
        .join(Area, (Area.tenant_id == Move.tenant_id) & (Area.id == Move.area_id))
        .where(Move.tenant_id == tenant_id, Move.moved_on >= first, Move.moved_on <= last)
        .group_by(Area.code)
    )
    return {code: count for code, count in rows}


async def housed_like(
    db: AsyncSession, tenant_id: uuid.UUID, *, bedrooms: int | None, household: int | None
) -> dict[str, int]:
    """Area code -> households moved there in the last year needing `bedrooms` (the move's bedroom count) or,
    when the bedrooms are not known yet, of `household` people (adults and children); every move if neither."""
    since = dates.today() - HOUSED_WINDOW
    query = (
        select(Area.code, func.count())
        .select_from(Move)
        .join(Area, (Area.tenant_id == Move.tenant_id) & (Area.id == Move.area_id))
        .where(Move.tenant_id == tenant_id, Move.moved_on > since)
        .group_by(Area.code)
    )
    if bedrooms is not None:
        query = query.where(Move.bedrooms == bedrooms)
    elif household is not None:
        query = query.join(Referral, (Referral.tenant_id == Move.tenant_id) & (Referral.id == Move.referral_id)).where(
            Referral.adults + func.coalesce(func.cardinality(Referral.children_ages), 0) == household
        )
    return {code: count for code, count in await db.execute(query)}
