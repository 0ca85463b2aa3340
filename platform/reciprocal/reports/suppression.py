"""Small numbers withheld, and the numbers beside them, so that no household can be singled out or worked back.

A count from 1 to 4 is shown as "fewer than 5". Withholding it alone is not enough when the total of its group
is shown (on the same page or another): the total less the figures shown would give it back. So within a group
more cells are withheld, the smallest first, until the reader can no longer pin any small one down: for every
withheld small count, the total and what is shown leave at least two values it could be. A cell withheld only to
protect another says "withheld" (it may be 5 or more). Zero is shown as 0: it singles nobody out.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from reciprocal.kernel.tables import Figure

__all__ = ["FEWER", "THRESHOLD", "WITHHELD", "Figure", "Group", "figure", "share", "shown", "suppress"]

THRESHOLD = 5
"""Counts below this (and above zero) are never shown."""

FEWER = f"fewer than {THRESHOLD}"
WITHHELD = "withheld"


def shown(value: int) -> Figure:
    return Figure(value, f"{value:,}")


def figure(value: int) -> Figure:
    """One count standing alone (a headline): withheld when small."""
    return Figure(None, FEWER) if 0 < value < THRESHOLD else shown(value)


def _small(value: int) -> bool:
    return 0 < value < THRESHOLD


def _pinned(withheld: list[int]) -> bool:
    """Whether a reader who knows the withheld cells' sum, and that each small one is 1 to 4 and each other one
    is 5 or more, could tell some small one's exact value."""
    total = sum(withheld)
    for i, value in enumerate(withheld):
        if not _small(value):
            continue
        others = withheld[:i] + withheld[i + 1 :]
        least = sum(1 if _small(v) else THRESHOLD for v in others)
        unbounded = any(not _small(v) for v in others)
        most = None if unbounded else (THRESHOLD - 1) * len(others)
        high = min(THRESHOLD - 1, total - least)
        low = 1 if most is None else max(1, total - most)
        if high <= low:
            return True
    return False


@dataclass(frozen=True)
class Group[K: Hashable]:
    """A breakdown as it may be shown: its cells, and its total (withheld when the cells cannot be protected
    from it). Show a breakdown's total from here, wherever on the page it appears."""

    cells: dict[K, Figure]
    total: Figure


def suppress[K: Hashable](counts: Mapping[K, int]) -> Group[K]:
    """A group of counts whose total may be known (the cells of one breakdown), as they may be shown."""
    withheld = [key for key, value in counts.items() if _small(value)]
    rest = sorted((key for key in counts if key not in withheld and counts[key] > 0), key=lambda k: counts[k])
    while withheld and _pinned([counts[key] for key in withheld]) and rest:
        withheld.append(rest.pop(0))
    total = sum(counts.values())
    cells = {
        key: (Figure(None, FEWER if _small(value) else WITHHELD) if key in withheld else shown(value))
        for key, value in counts.items()
    }
    if withheld and _pinned([counts[key] for key in withheld]):
        return Group(cells, Figure(None, WITHHELD))
    return Group(cells, figure(total))


def share(part: Figure, whole: Figure) -> str:
    """A percentage of a whole, or "withheld" when either is withheld (a share of a small number reveals it)."""
    if part.value is None or whole.value is None:
        return WITHHELD
    if whole.value == 0:
        return "no cases"
    return f"{round(100 * part.value / whole.value)}%"
