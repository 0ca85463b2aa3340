"""The scheme's tile-grid maps, ready to draw: each a query of reports.areas, suppressed, over the scheme's areas."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.kernel.dates import govuk_date
from reciprocal.reports import areas
from reciprocal.reports.maps import Place, TileMap, tile_map
from reciprocal.reports.suppression import suppress
from reciprocal.tenancy.models import Scheme

EXPLAINED = (
    "Each {term} is a square, placed roughly where it is on a map. Darker squares mean more. "
    "The table beside the map gives every {term}'s figure."
)


def _map(
    scheme: Scheme, places: list[Place], counts: dict[str, int], *, key: str, title: str, measure: str, what: str
) -> TileMap:
    group = suppress({place.code: counts.get(place.code, 0) for place in places})
    term = scheme.area_term
    return tile_map(
        key,
        title,
        measure=measure,
        area_term=term,
        places=places,
        figures=group.cells,
        total=group.total,
        description=f"{what} {EXPLAINED.format(term=term)}",
    )


async def demand_map(db: AsyncSession, scheme: Scheme) -> TileMap:
    """Where live referrals (approved, circulating or under offer) could live: their safe areas, as of now."""
    places = await areas.places(db, scheme.id)
    return _map(
        scheme,
        places,
        await areas.demand(db, scheme.id),
        key="demand-safe-areas",
        title=f"Demand: safe {scheme.area_term}s named by live referrals today",
        measure="Safe-area choices",
        what=f"How many live referrals name each {scheme.area_term} as a safe {scheme.area_term}.",
    )


async def supply_maps(db: AsyncSession, scheme: Scheme, first: date, last: date) -> list[TileMap]:
    """Offers made and moves into each area from `first` to `last`."""
    places = await areas.places(db, scheme.id)
    period = f"{govuk_date(first)} to {govuk_date(last)}"
    term = scheme.area_term
    return [
        _map(
            scheme,
            places,
            await areas.offers_made(db, scheme.id, first, last),
            key="supply-offers",
            title=f"Supply: offers made, {period}",
            measure="Offers made",
            what=f"How many properties were offered in each {term} from {period}.",
        ),
        _map(
            scheme,
            places,
            await areas.moves(db, scheme.id, first, last),
            key="supply-moves",
            title=f"Supply: moves, {period}",
            measure="Moves",
            what=f"How many households moved into each {term} from {period}.",
        ),
    ]
