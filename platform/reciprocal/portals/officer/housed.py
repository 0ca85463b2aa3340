"""Beside each safe area the officer may choose: how often the scheme housed a household like theirs there in the
last year ("a realistic chance"), suppressed, and the same as a small tile map."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.reports import areas
from reciprocal.reports.maps import TileMap, tile_map
from reciprocal.reports.suppression import Figure, figure
from reciprocal.tenancy.models import Scheme


@dataclass(frozen=True)
class Housed:
    """Per area id, the words beside its checkbox; the map of the same figures."""

    hints: dict[uuid.UUID, str]
    map: TileMap
    like: str
    """Which households are counted: "needing 2 bedrooms", or "of 3 people" before the bedrooms are answered."""


def _hint(figure: Figure, like: str) -> str:
    if figure.value == 0:
        return f"No households {like} housed here in the last year"
    # figure() withholds 1 to 4: what is shown is "fewer than 5" or 5 and more, so always "households".
    return f"Housed {figure.words} households {like} here in the last year"


async def housed_here(db: AsyncSession, scheme: Scheme, answers: ReferralAnswers) -> Housed:
    """Moves of the last 365 days into each area, of households needing the draft's bedrooms, or (bedrooms not
    answered yet) of its household's size: two queries, one of them grouped."""
    bedrooms = answers.bedrooms_needed
    people = answers.adults + len(answers.children_ages)
    if bedrooms is not None:
        like = f"needing {bedrooms} {'bedroom' if bedrooms == 1 else 'bedrooms'}"
    else:
        like = f"of {people} {'person' if people == 1 else 'people'}"
    places = await areas.places(db, scheme.id)
    counts = await areas.housed_like(
        db, scheme.id, bedrooms=bedrooms, household=None if bedrooms is not None else people
    )
    # NOTE: each area's count stands alone (no total of this breakdown is shown anywhere), so figure() is enough:
    # suppress() would also withhold a larger area to protect a small one from a total nobody can read.
    cells = {place.code: figure(counts.get(place.code, 0)) for place in places}
    term = scheme.area_term
    drawn = tile_map(
        "housed-like",
        f"Households {like} housed in the last year",
        measure="Households housed",
        area_term=term,
        places=places,
        figures=cells,
        description=(
            f"How many households {like} the scheme housed in each {term} in the last year. Each {term} is a "
            f"square, placed roughly where it is on a map; darker squares mean more. Each {term}'s figure is also "
            "beside its checkbox."
        ),
    )
    hints = {place.id: _hint(cells[place.code], like) for place in places if place.id is not None}
    return Housed(hints, drawn, like)
