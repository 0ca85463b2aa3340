"""A scheme's areas as a tile-grid map: one square per area where the scheme's configuration places it, coloured
in a few bands, drawn as inline SVG (no JavaScript), with a legend and a table of the same figures.

Pure: figures in, SVG and a Table out. Every figure arrives already through reports.suppression, and a withheld
one is drawn with its words ("fewer than 5", "withheld") and the withheld band's colour, never as a number.
"""

from __future__ import annotations

import math
import re
import textwrap
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from reciprocal.kernel.tables import Table
from reciprocal.reports.suppression import Figure

TILE = 64
"""A tile's side in SVG units; tiles sit GAP apart."""
GAP = 4
PAD = 2

INK = "#0b0c0c"
WHITE = "#ffffff"
SCALE = (("#c6dbef", INK), ("#6baed6", INK), ("#2171b5", WHITE), ("#08306b", WHITE))
"""Light to dark blue (ColorBrewer's Blues): one hue that only grows darker reads the same to every kind of colour
vision, and each fill keeps its label at 4.5:1 contrast or more."""
NONE_FILL = "#f3f2f1"
WITHHELD_FILL = WHITE
OUTLINE = "#505a5f"


@dataclass(frozen=True)
class Place:
    """An area as the map places it: its tile's label and [row, column], or none (listed under the map)."""

    code: str
    name: str
    short: str
    row: int | None
    column: int | None
    id: uuid.UUID | None = None

    @property
    def placed(self) -> bool:
        return self.row is not None and self.column is not None


def short_label(name: str, short: str | None) -> str:
    """What a tile says: the configured label, else the name's first three letters."""
    return short or re.sub(r"[^A-Za-z0-9]", "", name)[:3].upper() or "?"


@dataclass(frozen=True)
class Band:
    """A range of shown values and its colours; `low` is None for the bands of zero and of withheld figures."""

    words: str
    fill: str
    ink: str
    low: int | None = None
    high: int | None = None
    dashed: bool = False
    """Outlined in dashes as well as coloured: the withheld band, told apart without colour."""

    def holds(self, figure: Figure) -> bool:
        if figure.value is None or self.low is None or self.high is None:
            return False
        return self.low <= figure.value <= self.high


NONE_BAND = Band("0", NONE_FILL, INK)
WITHHELD_BAND = Band("fewer than 5, or withheld", WITHHELD_FILL, INK, dashed=True)


def bands(figures: Iterable[Figure]) -> list[Band]:
    """Up to four equal ranges from the least shown value above zero to the greatest, light to dark."""
    values = sorted({f.value for f in figures if f.value})
    if not values:
        return []
    least, most = values[0], values[-1]
    width = max(1, math.ceil((most - least + 1) / len(SCALE)))
    ranges: list[tuple[int, int]] = []
    low = least
    while low <= most:
        ranges.append((low, min(most, low + width - 1)))
        low += width
    picks = [round(i * (len(SCALE) - 1) / (len(ranges) - 1)) for i in range(len(ranges))] if len(ranges) > 1 else [1]
    found = []
    for (low, high), pick in zip(ranges, picks, strict=True):
        fill, ink = SCALE[pick]
        words = f"{low:,}" if low == high else f"{low:,} to {high:,}"
        found.append(Band(words, fill, ink, low, high))
    return found


@dataclass(frozen=True)
class Tile:
    place: Place
    figure: Figure
    band: Band


@dataclass(frozen=True)
class TileMap:
    """One measure over a scheme's areas: the map, its legend and its table say the same figures."""

    key: str
    """Names the download and the SVG's element ids: letters, digits and dashes."""
    title: str
    description: str
    """The map's text alternative: what it shows; the table beside it has every figure."""
    measure: str
    """The figure's column heading, e.g. "Safe-area choices"."""
    area_term: str
    tiles: tuple[Tile, ...]
    legend: tuple[Band, ...]
    total: Figure | None = None
    """The breakdown's total, from the same suppression group; None when a total means nothing here."""

    @property
    def placed(self) -> list[Tile]:
        return [t for t in self.tiles if t.place.placed]

    @property
    def unplaced(self) -> list[Tile]:
        """Areas with no tile: listed under the map (with their figures) so none is lost."""
        return [t for t in self.tiles if not t.place.placed]

    @property
    def columns(self) -> list[str]:
        return [self.area_term.capitalize(), self.measure]

    @property
    def rows(self) -> list[tuple[str, Figure]]:
        """Every area's figure, then the total if there is one: what the table beside the map shows."""
        rows = [(t.place.name, t.figure) for t in self.tiles]
        if self.total is not None:
            rows.append((f"All {self.area_term}s", self.total))
        return rows

    @property
    def table(self) -> Table:
        """The same figures as the Table the page shows beside the map and a download carries."""
        return Table(self.key, self.title, self.columns, self.rows)

    def svg(self, *, small: bool = False) -> Markup:
        """The map as inline SVG: `role="img"` named by its title and described by its description."""
        placed = self.placed
        rows = 1 + max((t.place.row or 0 for t in placed), default=0)
        columns = 1 + max((t.place.column or 0 for t in placed), default=0)
        step = TILE + GAP
        width, height = PAD * 2 + columns * step - GAP, PAD * 2 + rows * step - GAP
        ids = f"map-{self.key}-title", f"map-{self.key}-desc"
        size = "app-tile-map__svg app-tile-map__svg--small" if small else "app-tile-map__svg"
        parts = [
            f'<svg class="{size}" role="img" aria-labelledby="{ids[0]} {ids[1]}" viewBox="0 0 {width} {height}"'
            f' width="{width}" height="{height}" font-family="arial, sans-serif" xmlns="http://www.w3.org/2000/svg">',
            f'<title id="{ids[0]}">{escape(self.title)}</title>',
            f'<desc id="{ids[1]}">{escape(self.description)}</desc>',
        ]
        for tile in sorted(placed, key=lambda t: (t.place.row, t.place.column)):
            parts.append(_tile(tile, PAD + (tile.place.column or 0) * step, PAD + (tile.place.row or 0) * step))
        parts.append("</svg>")
        return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above and in _tile


def _tile(tile: Tile, x: int, y: int) -> str:
    band = tile.band
    dashed = ' stroke-dasharray="4 3"' if band.dashed else ""
    lines = textwrap.wrap(tile.figure.words, 8) or [""]
    middle = x + TILE // 2
    text = [f'<text x="{middle}" y="{y + 22}" font-size="14" font-weight="bold">{escape(tile.place.short)}</text>']
    for i, line in enumerate(lines[:2]):
        size = 13 if len(lines) == 1 else 11
        text.append(f'<text x="{middle}" y="{y + 41 + i * 13}" font-size="{size}">{escape(line)}</text>')
    return (
        f'<g fill="{band.ink}" text-anchor="middle"><title>{escape(tile.place.name)}: {escape(tile.figure.words)}'
        f'</title><rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" fill="{band.fill}" stroke="{OUTLINE}"'
        f"{dashed}/>{''.join(text)}</g>"
    )


def tile_map(
    key: str,
    title: str,
    *,
    measure: str,
    area_term: str,
    places: Iterable[Place],
    figures: Mapping[str, Figure],
    description: str,
    total: Figure | None = None,
) -> TileMap:
    """The map of `figures` (area code -> Figure, already suppressed) over `places`; an area with no figure is 0."""
    chosen = [(place, figures.get(place.code) or Figure(0, "0")) for place in places]
    legend = bands(figure for _, figure in chosen)

    def band_of(figure: Figure) -> Band:
        if figure.withheld:
            return WITHHELD_BAND
        return next((band for band in legend if band.holds(figure)), NONE_BAND)

    tiles = tuple(Tile(place, figure, band_of(figure)) for place, figure in chosen)
    used = [NONE_BAND] if any(t.band is NONE_BAND for t in tiles) else []
    used += [WITHHELD_BAND] if any(t.band is WITHHELD_BAND for t in tiles) else []
    return TileMap(key, title, description, measure, area_term, tiles, (*used, *legend), total)
