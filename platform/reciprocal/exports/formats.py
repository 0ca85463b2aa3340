"""A Table written as CSV (in chunks, as rows come) or as XLSX (XlsxWriter, row by row to a file on disk).

Both carry exactly the table's cells as its page shows them. A text cell that a spreadsheet would take for a
formula (it starts with =, +, - or @) is written with a leading apostrophe, so opening a download never runs one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from reciprocal.kernel.dates import UK_TIME
from reciprocal.kernel.tables import Cell, Export, Figure, Workbook, tables_of

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500
"""Rows per chunk of a CSV download: the response starts at once and memory stays flat."""


def text_of(cell: Cell) -> str:
    """A cell as text, in the words the page uses."""
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return _uk(cell).strftime("%Y-%m-%d %H:%M")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, Figure):
        return cell.words if cell.value is None else str(cell.value)
    return str(cell)


def _uk(moment: datetime) -> datetime:
    """A moment in UK time, as every page shows it."""
    return moment.astimezone(UK_TIME) if moment.tzinfo else moment


def _safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(export: Export) -> Iterator[bytes]:
    """The table as CSV, UTF-8 with a byte-order mark (so spreadsheets read the £ and accents), in chunks; a
    workbook's tables one after another, each under its title and a blank line apart."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    several = isinstance(export, Workbook)
    for n, table in enumerate(tables_of(export)):
        if several:
            writer.writerows([[]] * (n > 0) + [[_safe(table.title)]])
        writer.writerow([_safe(c) for c in table.columns])
        for i, row in enumerate(table.rows, start=1):
            writer.writerow([_csv_cell(cell) for cell in row])
            if i % CHUNK_ROWS == 0:
                yield _drain(buffer)
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data


def _csv_cell(cell: Cell) -> str | int:
    if isinstance(cell, int) and not isinstance(cell, bool):
        return cell
    if isinstance(cell, Figure) and cell.value is not None:
        return cell.value
    return _safe(text_of(cell))


def write_xlsx(export: Export, path: Path) -> int:
    """The table (or each of a workbook's tables) as a worksheet of an XLSX file at `path`; returns how many rows
    it wrote."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "in_memory": False})
    try:
        bold = book.add_format({"bold": True})
        dated = book.add_format({"num_format": "yyyy-mm-dd"})
        stamped = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        rows = 0
        names: set[str] = set()
        for table in tables_of(export):
            sheet = book.add_worksheet(_sheet_name(table.title, names))
            widths = [max(10, len(c) + 2) for c in table.columns]
            sheet.write_row(0, 0, list(table.columns), bold)
            for r, row in enumerate(table.rows, start=1):
                rows += 1
                _xlsx_row(sheet, r, row, widths, dated, stamped)
            for c, width in enumerate(widths):
                sheet.set_column(c, c, min(width, 60))
            sheet.freeze_panes(1, 0)
    finally:
        book.close()
    return rows


def _sheet_name(title: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts (31 characters, none of []:*?/\\) and no other sheet has."""
    base = title.translate(str.maketrans("[]:*?/\\", "       ")).strip()[:31] or "Sheet"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[: 31 - len(str(n)) - 1]} {n}"
    taken.add(name.lower())
    return name


def _xlsx_row(sheet, r: int, row: Sequence[Cell], widths: list[int], dated, stamped) -> None:  # type: ignore[no-untyped-def]
    for c, cell in enumerate(row):
        if isinstance(cell, Figure) and cell.value is not None:
            cell = cell.value
        if isinstance(cell, int) and not isinstance(cell, bool):
            sheet.write_number(r, c, cell)
        elif isinstance(cell, datetime):
            sheet.write_datetime(r, c, _uk(cell).replace(tzinfo=None), stamped)
        elif isinstance(cell, date):
            sheet.write_datetime(r, c, cell, dated)
        else:
            text = _safe(text_of(cell))
            sheet.write_string(r, c, text)
            if c < len(widths):
                widths[c] = max(widths[c], len(text) + 2)
