"""Whether a property fits a household: the one rule the offer form refuses by and matching finds homes by."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from reciprocal.criteria.schemas import Criteria
from reciprocal.referrals.circulation import Places


@dataclass(frozen=True)
class Property:
    """What a named lead offers: never an address in any list, only area, size and features."""

    area_id: uuid.UUID
    bedrooms: int
    floor: int | None
    accessibility: str
    available_from: date
    address: str


def floor_fits(offer: Property, *, floor_level_need: bool) -> bool:
    """A household with an evidenced floor level need ("a ground floor or a lift") fits a house, a ground floor,
    or a property whose features name a lift."""
    return not floor_level_need or offer.floor in (None, 0) or "lift" in offer.accessibility.lower()


def misfits(
    offer: Property,
    bedrooms_needed: int | None,
    named: Places,
    covered: Collection[uuid.UUID],
    criteria: Criteria,
    *,
    floor_level_need: bool,
) -> list[tuple[str, str]]:
    """Why the property does not fit the household (none: it fits), for the offer form and for matching alike.
    `floor_level_need` is the evidenced one only (Referral.floor_level_need and medical_evidence)."""
    problems: list[tuple[str, str]] = []
    if offer.area_id in named.risk:
        problems.append(("area_id", "The applicant is at risk in this area: offer a property elsewhere"))
    elif named.safe and offer.area_id not in named.safe:
        problems.append(("area_id", "Choose one of the referral's safe areas"))
    elif offer.area_id not in covered:
        problems.append(("area_id", "Choose an area where your organisation has properties"))
    if criteria.like_for_like_bedrooms and offer.bedrooms != bedrooms_needed:
        problems.append(("bedrooms", f"Offer a property with {bedrooms_needed} bedrooms: like for like"))
    if not floor_fits(offer, floor_level_need=floor_level_need):
        problems.append(
            ("floor", "The household needs a ground floor or a lift: offer a house, a ground floor, or name the lift")
        )
    return problems
