"""A table as a page shows it and a download carries it: the one shape every list and report hands to exports.

Cells are what the page shows, already suppressed (reports.suppression.Figure) and already free of anything the
viewer may not see: a download never carries more than the page did.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from reciprocal.reports.suppression import Figure

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
