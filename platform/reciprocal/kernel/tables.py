"""A table as a page shows it and a download carries it: the one shape every list and report hands to exports.

Cells are what the page shows, already suppressed (a Figure from reports.suppression) and already free of
anything the viewer may not see: a download never carries more than the page did.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Figure:
    """A count as it may be shown: `value` is None when it is withheld, and `words` says how."""

    value: int | None
    words: str

    def __str__(self) -> str:
        return self.words

    @property
    def withheld(self) -> bool:
        return self.value is None


Cell = str | int | date | datetime | Figure | None


@dataclass(frozen=True)
class Table:
    """A titled table: `name` names the download (letters, digits and dashes), `columns` head it, `rows` follow.

    `rows` may be any iterable (a generator over a streamed query): exports read it once."""

    name: str
    title: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Cell]]


@dataclass(frozen=True)
class Workbook:
    """Several tables downloaded together (a report): one worksheet each in XLSX, one after another in CSV."""

    name: str
    title: str
    tables: Sequence[Table]


Export = Table | Workbook


def tables_of(export: Export) -> Sequence[Table]:
    return [export] if isinstance(export, Table) else export.tables
