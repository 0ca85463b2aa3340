"""Small numbers are withheld, and no total can give one back."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from reciprocal.reports.suppression import FEWER, WITHHELD, figure, share, suppress


def test_a_small_count_shows_as_fewer_than_5_and_zero_and_larger_counts_show() -> None:
    assert [str(figure(n)) for n in (0, 1, 4, 5, 1234)] == ["0", FEWER, FEWER, "5", "1,234"]


def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    shown = suppress({"a": 3, "b": 40, "c": 7, "d": 0})
    assert {k: str(v) for k, v in shown.cells.items()} == {"a": FEWER, "b": "40", "c": WITHHELD, "d": "0"}


def test_a_group_with_nothing_small_is_shown_whole() -> None:
    assert {k: str(v) for k, v in suppress({"a": 5, "b": 9}).cells.items()} == {"a": "5", "b": "9"}


def test_a_group_that_cannot_hide_its_small_cell_withholds_its_total() -> None:
    group = suppress({"a": 1, "b": 5})
    assert (str(group.cells["a"]), str(group.cells["b"]), str(group.total)) == (FEWER, WITHHELD, WITHHELD)


def test_a_share_of_a_withheld_figure_is_withheld() -> None:
    assert share(figure(3), figure(50)) == WITHHELD
    assert share(figure(25), figure(50)) == "50%"


def _possible(display: dict[int, str], total: int, cell: int) -> set[int]:
    """Every value `cell` could have, to a reader who knows the total and what is shown."""
    hidden = [k for k, words in display.items() if words in (FEWER, WITHHELD)]
    known = sum(int(words.replace(",", "")) for words in display.values() if words not in (FEWER, WITHHELD))
    ranges = [range(1, 5) if display[k] == FEWER else range(5, total + 1) for k in hidden]
    found = set()
    for values in itertools.product(*ranges):
        if known + sum(values) == total:
            found.add(dict(zip(hidden, values, strict=True))[cell])
    return found


@given(st.lists(st.integers(min_value=0, max_value=14), min_size=1, max_size=5))
def test_no_small_number_can_be_worked_back_from_the_total(values: list[int]) -> None:
    counts = dict(enumerate(values))
    group = suppress(counts)
    display = {k: str(v) for k, v in group.cells.items()}
    total = sum(values)
    if group.total.withheld:
        return  # the total is withheld too: nothing to work back from
    assert group.total.value == total
    for cell, words in display.items():
        if words == FEWER:
            assert len(_possible(display, total, cell)) >= 2, (counts, display)
