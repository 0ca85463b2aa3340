"""Charts drawn on the server: the table beside a chart holds exactly the figures it draws."""

from __future__ import annotations

import re
from html import unescape

from reciprocal.reports.charts import Chart, Measure, Series
from reciprocal.reports.suppression import FEWER, WITHHELD, figure, suppress


def chart() -> Chart:
    moves = suppress({"Jan": 12, "Feb": 3, "Mar": 40})
    return Chart(
        "monthly",
        "Each month",
        "Moves & offers in each month of 2026.",
        "Month",
        ["Jan", "Feb", "Mar"],
        [
            Series("Moves", [moves.cells[m] for m in ("Jan", "Feb", "Mar")]),
            Series("Median days", [Measure(3.5, "3.5 days"), Measure(None, WITHHELD), Measure(0.0, "0 days")]),
        ],
    )


def drawn_words(svg: str) -> list[str]:
    """The values the SVG writes beside its bars, in the order it draws them (row by row)."""
    return [unescape(t) for t in re.findall(r'<text [^>]*class="app-chart__value">([^<]*)</text>', svg)]


def test_a_charts_table_equals_its_figures() -> None:
    c = chart()
    assert c.columns == ["Month", "Moves", "Median days"]
    rows = [[str(cell) for cell in row] for row in c.rows()]
    assert rows == [["Jan", WITHHELD, "3.5 days"], ["Feb", FEWER, WITHHELD], ["Mar", "40", "0 days"]]
    # The drawing says the same, value for value, in the same order.
    assert drawn_words(c.svg()) == [cell for row in rows for cell in row[1:]]


def test_a_withheld_value_is_drawn_as_no_bar_with_its_words() -> None:
    svg = Chart("one", "One", "A withheld count.", "Stage", ["Moves"], [Series("Number", [figure(3)])]).svg()
    assert "<rect" not in svg
    assert drawn_words(svg) == [FEWER]


def test_a_chart_is_an_image_with_a_title_and_a_text_alternative() -> None:
    svg = chart().svg()
    assert re.match(r'<svg [^>]*role="img" [^>]*aria-labelledby="monthly-title monthly-desc"', svg)
    assert '<title id="monthly-title">Each month</title>' in svg
    assert '<desc id="monthly-desc">Moves &amp; offers in each month of 2026.</desc>' in svg


def test_bars_are_as_long_as_their_values() -> None:
    svg = Chart("two", "Two", "Two counts.", "Stage", ["a", "b"], [Series("Number", [figure(10), figure(20)])]).svg()
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', svg)]
    assert len(widths) == 2
    assert widths[1] == 2 * widths[0]
