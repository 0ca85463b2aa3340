"""What every partner's view of a referral is built from: the household's shape, area names, the risk label.

Never a Referral row: each view takes the fields a partner may see, one by one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.referrals.models import Referral
from reciprocal.referrals.services import criteria_of
from reciprocal.tenancy.models import Area


@dataclass(frozen=True)
class Household:
    """The household's shape and needs: what a landlord matches a property against."""

    adults: int
    children_ages: tuple[int, ...]
    bedrooms_needed: int | None
    pets: str
    access_needs: str
    floor_level_need: bool
    """Shown only with evidenced medical need: a floor level cannot be asked for otherwise."""


HOUSEHOLD_COLUMNS = (
    Referral.adults,
    Referral.children_ages,
    Referral.bedrooms_needed,
    Referral.pets,
    Referral.access_needs,
    Referral.floor_level_need,
    Referral.medical_evidence,
)
"""What `household_of` reads, for a list that selects columns rather than loading Referral rows."""


def household_of(referral: Referral | Row[*tuple[Any, ...]]) -> Household:
    """The household of a Referral, or of a row selecting HOUSEHOLD_COLUMNS."""
    return Household(
        adults=referral.adults,
        children_ages=tuple(referral.children_ages),
        bedrooms_needed=referral.bedrooms_needed,
        pets=referral.pets,
        access_needs=referral.access_needs,
        floor_level_need=referral.floor_level_need and referral.medical_evidence,
    )


@dataclass(frozen=True)
class AreaChoice:
    id: uuid.UUID
    name: str


async def area_names(db: AsyncSession, tenant_id: uuid.UUID, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await db.execute(select(Area.id, Area.name).where(Area.tenant_id == tenant_id, Area.id.in_(wanted)))
    return {area_id: name for area_id, name in rows}


def area_choices(names: dict[uuid.UUID, str], ids: Iterable[uuid.UUID]) -> list[AreaChoice]:
    return sorted((AreaChoice(i, names[i]) for i in ids), key=lambda a: a.name)


async def risk_label(db: AsyncSession, referral: Referral, *, only_if_assessment_needed: bool) -> str | None:
    criteria = await criteria_of(db, referral)
    risk = criteria.risk_type(referral.risk_type) if criteria else None
    if risk is None or (only_if_assessment_needed and not risk.risk_assessor_required):
        return None
    return risk.label


@dataclass(frozen=True)
class Outcome:
    """What a partner sees of a referral once its part is over: the reference and what became of its part."""

    reference: str
    heading: str
    message: str
