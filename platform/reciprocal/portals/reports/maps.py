"""A tile map as a page shows it: the map, and its figures as the Table that a download of the page carries."""

from __future__ import annotations

from dataclasses import dataclass

from reciprocal.kernel.tables import Table
from reciprocal.reports.maps import TileMap


@dataclass(frozen=True)
class MapOnPage:
    """What web/templates/reports/_map.html.j2 draws, as `map`: the tile map and its table."""

    map: TileMap

    @property
    def table(self) -> Table:
        return Table(self.map.key, self.map.title, self.map.columns, self.map.rows)
