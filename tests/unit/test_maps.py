"""Tile-grid maps (reports.maps): the table says the map's figures, every area once, and a withheld figure is
never drawn as a number."""

from __future__ import annotations

import re
from html import unescape

from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.reports.maps import WITHHELD_BAND, Place, bands, short_label, tile_map
from reciprocal.reports.suppression import Figure, suppress
from reciprocal.settings import REPO_ROOT

PLACES = [
    Place("north", "North Town", "NTH", 0, 1),
    Place("west", "Westby", "WST", 1, 0),
    Place("east", "Eastham", "EST", 1, 2),
    Place("south", "South Vale", "STH", 2, 1),
    Place("island", "Far Island", "ISL", None, None),
]
COUNTS = {"north": 12, "west": 3, "east": 7, "south": 0, "island": 9}


def make(counts: dict[str, int] = COUNTS):  # type: ignore[no-untyped-def]
    group = suppress(counts)
    return tile_map(
        "test-map",
        "Safe-area choices",
        measure="Choices",
        area_term="district",
        places=PLACES,
        figures=group.cells,
        total=group.total,
        description="How many referrals name each district.",
    )


def texts(svg: str) -> list[str]:
    """Every word the SVG shows or speaks: its text, titles and description (not its coordinates)."""
    return [unescape(t) for t in re.findall(r"<(?:text|title|desc)\b[^>]*>([^<]*)<", svg)]


def test_the_table_has_the_figures_of_the_map_and_every_area_once() -> None:
    drawn = make()
    table = drawn.table
    assert table.columns == ["District", "Choices"]
    rows = [(name, str(figure)) for name, figure in table.rows]
    group = suppress(COUNTS)
    expected = [(p.name, group.cells[p.code].words) for p in PLACES] + [("All districts", group.total.words)]
    assert rows == expected
    assert [t.place.code for t in drawn.tiles] == [p.code for p in PLACES]


def test_every_placed_area_has_one_tile_and_the_unplaced_are_listed() -> None:
    drawn = make()
    svg = str(drawn.svg())
    for place in PLACES[:4]:
        assert svg.count(f"<title>{place.name}:") == 1
    assert "Far Island" not in svg
    assert [t.place.name for t in drawn.unplaced] == ["Far Island"]


def test_a_withheld_figure_is_its_words_never_its_number() -> None:
    drawn = make()
    west = next(t for t in drawn.tiles if t.place.code == "west")
    assert west.figure.withheld
    assert west.band is WITHHELD_BAND
    words = texts(str(drawn.svg()))
    assert not any("3" in w for w in words), words
    assert "Westby: fewer than 5" in words
    assert {"fewer", "than 5"} <= set(words)


def test_the_svg_is_an_image_named_by_its_title_and_description() -> None:
    svg = str(make().svg())
    assert svg.startswith(
        '<svg class="app-tile-map__svg" role="img" aria-labelledby="map-test-map-title map-test-map-desc"'
    )
    assert '<title id="map-test-map-title">Safe-area choices</title>' in svg
    assert '<desc id="map-test-map-desc">How many referrals name each district.</desc>' in svg


def test_names_are_escaped() -> None:
    drawn = tile_map(
        "x",
        "A <b> title",
        measure="m",
        area_term="area",
        places=[Place("a", "<script>", "A&B", 0, 0)],
        figures={"a": Figure(5, "5")},
        description="d & e",
    )
    svg = str(drawn.svg())
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "A &lt;b&gt; title" in svg
    assert "d &amp; e" in svg


def test_bands_run_light_to_dark_over_the_shown_values() -> None:
    found = bands([Figure(5, "5"), Figure(12, "12"), Figure(0, "0"), Figure(None, "fewer than 5")])
    assert [b.words for b in found] == ["5 to 6", "7 to 8", "9 to 10", "11 to 12"]
    assert bands([Figure(0, "0")]) == []
    assert [b.words for b in bands([Figure(7, "7")])] == ["7"]


def test_a_tile_is_coloured_by_its_band_and_zero_by_none() -> None:
    drawn = make({"north": 12, "west": 0, "east": 5, "south": 0, "island": 0})
    by_code = {t.place.code: t.band for t in drawn.tiles}
    assert by_code["north"].low == 12 or by_code["north"].high == 12
    assert by_code["east"].holds(Figure(5, "5"))
    assert by_code["west"].words == "0"
    assert next(b.words for b in drawn.legend) == "0"


def test_short_labels() -> None:
    assert short_label("Camden", "CMD") == "CMD"
    assert short_label("Tower Hamlets", None) == "TOW"


def test_london_is_the_london_squares_grid() -> None:
    areas = {a.code: a for a in read_scheme_folder(REPO_ROOT / "tenants" / "pan-london").areas}
    grid = {code: a.grid for code, a in areas.items()}
    assert len(set(grid.values())) == 33
    assert [c for c, g in grid.items() if g and g[0] == 0] == ["enfield"]
    assert {c for c, g in grid.items() if g and g[0] == 1} == {"harrow", "barnet", "haringey", "waltham-forest"}
    assert {c for c, g in grid.items() if g and g[0] == 6} == {"sutton"}
    # The Thames: the north bank's boroughs sit on the row above the south bank's.
    north = {"hounslow", "hammersmith-and-fulham", "kensington-and-chelsea", "westminster", "city-of-london"}
    south = {"richmond-upon-thames", "wandsworth", "lambeth", "southwark", "lewisham", "greenwich", "bexley"}
    assert {grid[c][0] for c in north} == {3}
    assert {grid[c][0] for c in south} == {4}
    assert grid["croydon"][0] == grid["bromley"][0] == 5


def test_the_county_grid() -> None:
    areas = {a.code: a.grid for a in read_scheme_folder(REPO_ROOT / "tenants" / "cambridgeshire").areas}
    assert areas["peterborough"] == (0, 0)
    assert {areas["fenland"][0], areas["huntingdonshire"][0]} == {1}
    assert areas["cambridge"][0] == areas["south-cambridgeshire"][0] == 3
