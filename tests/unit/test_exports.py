"""A table downloads as CSV and XLSX with exactly its cells: words for withheld figures, no formulas, UK times."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl

from reciprocal.exports import formats
from reciprocal.exports.formats import csv_chunks, write_xlsx
from reciprocal.kernel.tables import Table, Workbook
from reciprocal.reports.suppression import FEWER, figure


def table(rows: int = 1) -> Table:
    first = (
        '=HYPERLINK("http://evil")',
        figure(3),
        figure(12),
        date(2026, 11, 2),
        datetime(2026, 7, 1, 11, 30, tzinfo=UTC),
    )
    return Table(
        name="test",
        title="Moves by area [2026]",
        columns=("Area", "Small", "Large", "Moved on", "Recorded"),
        rows=[first, *[(f"Area {i}", i, figure(i + 5), None, None) for i in range(rows - 1)]],
    )


def read_csv(t: Table) -> list[list[str]]:
    data = b"".join(csv_chunks(t))
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_carries_the_pages_words_and_never_a_formula() -> None:
    header, first = read_csv(table())
    assert header == ["Area", "Small", "Large", "Moved on", "Recorded"]
    assert first == ['\'=HYPERLINK("http://evil")', FEWER, "12", "2026-11-02", "2026-07-01 12:30"]


def test_a_long_csv_comes_in_chunks_and_loses_no_row() -> None:
    t = table(rows=formats.CHUNK_ROWS * 2 + 7)
    assert len(list(csv_chunks(t))) == 4  # the byte-order mark, two full chunks (the first with the header), the rest
    assert len(read_csv(t)) == formats.CHUNK_ROWS * 2 + 7 + 1


def test_xlsx_has_numbers_as_numbers_and_withheld_figures_as_words(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    assert write_xlsx(table(rows=3), path) == 3
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Area", "Small", "Large", "Moved on", "Recorded"]
    assert rows[1][:3] == ['\'=HYPERLINK("http://evil")', FEWER, 12]
    # XLSX has no time zones: the page's UK time is written as it is read
    assert rows[1][3] == datetime(2026, 11, 2)  # noqa: DTZ001
    assert rows[1][4] == datetime(2026, 7, 1, 12, 30)  # noqa: DTZ001
    assert rows[2][:3] == ["Area 0", 0, 5]
    assert sheet.title == "Moves by area  2026"


def test_a_workbook_has_a_sheet_per_table_and_its_csv_each_table_under_its_title(tmp_path: Path) -> None:
    book = Workbook("report", "Report", [table(), replace(table(rows=2), title="Moves by area [2026]")])
    path = tmp_path / "r.xlsx"
    assert write_xlsx(book, path) == 3
    assert openpyxl.load_workbook(path).sheetnames == ["Moves by area  2026", "Moves by area  2026 2"]
    lines = list(csv.reader(io.StringIO(b"".join(csv_chunks(book)).decode("utf-8-sig"))))
    assert [line[0] for line in lines if line] == [
        "Moves by area [2026]",
        "Area",
        '\'=HYPERLINK("http://evil")',
        "Moves by area [2026]",
        "Area",
        '\'=HYPERLINK("http://evil")',
        "Area 0",
    ]
    assert [] in lines  # a blank line between the tables
