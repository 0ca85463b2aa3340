"""Rebuild platform/reciprocal/kernel/first_names.txt, the first names the personal-data check warns about.

The list is every first name given to at least 50 babies in one year of the Office for National Statistics'
baby names for England and Wales (all names from 1996, and the top 100 at ten-yearly intervals from 1904, so
adults' names are there as well as children's). Names that are also ordinary English words ("Grace", "Hope",
"Will") are marked, so the check passes them at the start of a sentence.

Download the ONS workbooks ("Baby names for boys/girls in England and Wales", any years, and "Top 100 baby
names in England and Wales: historical data") and a word list (Debian's wbritish), then:

    uv run --no-project --with openpyxl --with xlrd python tools/first_names.py \\
        /usr/share/dict/british-english ~/ons/*.xls* > platform/reciprocal/kernel/first_names.txt

Review the difference before committing it: a word that is no name (a table heading, a month) goes in
NOT_NAMES below.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LEAST = 50
"""Babies in one year given a name for it to be listed."""

NOT_NAMES = {"Contents", "Feedback", "Information", "Notes", "Rank", "April", "June", "August", "May"}
"""Words the workbooks hold that are not names, and months, which are written capitalised mid-sentence."""

WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def _rows(path: Path) -> Iterator[list[Any]]:
    if path.suffix == ".xlsx":
        import openpyxl

        for sheet in openpyxl.load_workbook(path, read_only=True).worksheets:
            yield from (list(row) for row in sheet.iter_rows(values_only=True))
    else:
        import xlrd

        for sheet in xlrd.open_workbook(path).sheets():
            yield from (sheet.row_values(i) for i in range(sheet.nrows))


def _names(paths: list[Path]) -> set[str]:
    """Names in the historical top 100s, and names followed by a count of at least LEAST in a year's tables."""
    most: Counter[str] = Counter()
    names = set()
    for path in paths:
        historical = "historic" in path.name
        for row in _rows(path):
            cells = [c.strip() if isinstance(c, str) else c for c in row]
            for cell, after in zip(cells, [*cells[1:], None], strict=True):
                if not (isinstance(cell, str) and WORD.fullmatch(cell)):
                    continue
                if historical:
                    names.add(cell.title())
                elif isinstance(after, int | float) and not isinstance(after, bool):
                    most[cell.title()] = max(most[cell.title()], int(after))
    names |= {name for name, count in most.items() if count >= LEAST}
    return names - NOT_NAMES


def main(dictionary: str, *workbooks: str) -> None:
    words = {w.strip() for w in Path(dictionary).read_text(encoding="utf-8").splitlines() if w.strip().islower()}
    print("# First names the personal-data check warns about: one per line; '*' marks an ordinary word too.")
    print("# Built by tools/first_names.py from the Office for National Statistics' baby names for England and")
    print("# Wales. Contains public sector information licensed under the Open Government Licence v3.0.")
    for name in sorted(_names([Path(w) for w in workbooks])):
        print(f"{name} *" if name.lower() in words else name)


if __name__ == "__main__":
    main(*sys.argv[1:])
