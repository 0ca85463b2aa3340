"""Charts drawn on the server as SVG, from the same figures as the table shown beside each.

Pure: a Chart is its categories and series; `svg()` draws it, and `columns` and `rows()` list it from the same
values, so the two cannot disagree (`table`: the page shows it beside the chart). Bars are
horizontal (one row per category, one bar per series), so long labels and many months fit on a narrow screen.
A withheld value is drawn as no bar, with its words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from markupsafe import Markup, escape

from reciprocal.kernel.tables import Table
from reciprocal.reports.suppression import Figure

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

COLOURS = ("#1d70b8", "#0b0c0c", "#00703c")
"""GOV.UK blue, black and green: each has at least 4.5:1 contrast on white, and the legend names them."""

WIDTH = 640
LABEL_WIDTH = 190
VALUE_WIDTH = 110
BAR_HEIGHT = 16
BAR_GAP = 4
ROW_GAP = 12
LEGEND_HEIGHT = 28


class Shown(Protocol):
    """A value as a page shows it: a number to draw (None when withheld or there is none) and its words."""

    @property
    def value(self) -> float | None: ...

    @property
    def words(self) -> str: ...


@dataclass(frozen=True)
class Measure:
    """A value that is not a count (days, say), as it is shown."""

    value: float | None
    words: str


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[Shown]
    """One per category, in the chart's order."""


@dataclass(frozen=True)
class Chart:
    id: str
    """Unique on the page: names the SVG's title and description, and the table's download."""
    title: str
    description: str
    """The text alternative: what the chart shows, in words."""
    category_heading: str
    categories: Sequence[str]
    series: Sequence[Series]

    @property
    def columns(self) -> list[str]:
        return [self.category_heading, *(s.name for s in self.series)]

    @property
    def table(self) -> Table:
        """The chart's figures as the Table shown beside it and carried by a download."""
        return Table(self.id, self.title, self.columns, self.rows())

    def rows(self) -> list[list[Figure | str]]:
        """The chart's figures as a table's rows: one per category, a column per series."""
        return [
            [category, *(_cell(series.points[i]) for series in self.series)]
            for i, category in enumerate(self.categories)
        ]

    def svg(self) -> Markup:
        return draw(self)


def _cell(point: Shown) -> Figure | str:
    # A Figure goes to the table as itself (a download knows it), anything else as its words.
    return point if isinstance(point, Figure) else point.words


def _row_height(series: int) -> int:
    return series * BAR_HEIGHT + (series - 1) * BAR_GAP + ROW_GAP


def draw(chart: Chart) -> Markup:
    """The chart as an inline SVG image, titled and described for assistive technology."""
    n = len(chart.series)
    top = LEGEND_HEIGHT if n > 1 else 4
    height = top + len(chart.categories) * _row_height(n)
    values = [p.value for s in chart.series for p in s.points if p.value is not None]
    largest = max(values, default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f'aria-labelledby="{chart.id}-title {chart.id}-desc" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart.id}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart.id}-desc">{escape(chart.description)}</desc>',
    ]
    if n > 1:
        x = LABEL_WIDTH
        for j, series in enumerate(chart.series):
            parts.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{COLOURS[j % len(COLOURS)]}"/>')
            parts.append(f'<text x="{x + 20}" y="18" class="app-chart__legend">{escape(series.name)}</text>')
            x += 40 + 8 * len(series.name)
    for i, category in enumerate(chart.categories):
        y = top + i * _row_height(n)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 4}" text-anchor="end" class="app-chart__label">'
            f"{escape(category)}</text>"
        )
        for j, series in enumerate(chart.series):
            point = series.points[i]
            bar_y = y + j * (BAR_HEIGHT + BAR_GAP)
            width = 0.0 if point.value is None else room * point.value / largest
            if width > 0:
                parts.append(
                    f'<rect x="{LABEL_WIDTH}" y="{bar_y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                    f'fill="{COLOURS[j % len(COLOURS)]}" class="app-chart__bar"/>'
                )
            parts.append(
                f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{bar_y + BAR_HEIGHT - 4}" class="app-chart__value">'
                f"{escape(point.words)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape() above
