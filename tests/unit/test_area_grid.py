"""A scheme folder's map positions (areas.toml `grid`, `short`): each area on its own tile, all or none placed."""

from __future__ import annotations

from pathlib import Path

from test_tenant_config import copy_scheme, problems_of

from reciprocal.provisioning.folders import read_scheme_folder


def _edit(folder: Path, old: str, new: str) -> Path:
    areas = folder / "areas.toml"
    text = areas.read_text()
    assert old in text
    areas.write_text(text.replace(old, new, 1))
    return areas


def test_two_areas_on_one_tile_are_refused_naming_both(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    areas = _edit(folder, "grid = [1, 1]", "grid = [0, 0]")
    assert problems_of(folder) == [
        f"{areas}: area[5].grid: 'peterborough' is on row 0, column 0, where 'fenland' already is"
    ]


def test_an_area_left_off_the_map_is_refused(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    areas = _edit(folder, "grid = [2, 1]\n", "")
    assert problems_of(folder) == [
        f"{areas}: area[1].grid: 'east-cambridgeshire' has no place on the map: add grid = [row, column]"
    ]


def test_a_position_needs_a_row_and_a_column_in_range(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    areas = _edit(folder, "grid = [2, 1]", "grid = [2]")
    found = problems_of(folder)
    assert len(found) == 1
    assert found[0].startswith(f"{areas}: area[1].grid: Expected `array` of length 2")
    folder = copy_scheme(tmp_path / "again")
    _edit(folder, "grid = [2, 1]", "grid = [-1, 1]")
    assert "area[1].grid[0]" in problems_of(folder)[0]


def test_a_label_used_twice_is_refused(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    areas = _edit(folder, 'short = "ECA"', 'short = "CAM"')
    assert problems_of(folder) == [f"{areas}: area[1].short: 'CAM' already labels 'cambridge'"]


def test_a_scheme_may_place_none_of_its_areas(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    areas = folder / "areas.toml"
    areas.write_text("\n".join(line for line in areas.read_text().splitlines() if not line.startswith("grid")))
    assert all(a.grid is None for a in read_scheme_folder(folder).areas)
