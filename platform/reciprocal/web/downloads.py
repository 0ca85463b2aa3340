"""A table downloaded as CSV or XLSX: streamed, named after the scheme and the day, recorded in the audit trail.

A page that shows a table offers its download by the same address with `?format=csv` or `?format=xlsx`: the
handler builds the same Table it renders (the same filters, the same suppression) and returns `download(...)`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

import anyio
from litestar.exceptions import NotFoundException
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.exports.formats import csv_chunks, write_xlsx
from reciprocal.identity.services import Actor
from reciprocal.kernel import dates
from reciprocal.kernel.tables import Export
from reciprocal.tenancy.models import Scheme

Format = Literal["csv", "xlsx"]
FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
READ_SIZE = 64 * 1024


DOWNLOAD = "format"
"""The query parameter asking a page for its table as a download instead: ?format=csv or ?format=xlsx."""


def wanted(value: str | None) -> Format | None:
    """The download a page's `?format=` asks for; None for the page itself; not found for any other format."""
    if value is None:
        return None
    if value == "csv":
        return "csv"
    if value == "xlsx":
        return "xlsx"
    raise NotFoundException(f"There is no download as {value!r}: ask for csv or xlsx")


def filename(scheme: Scheme, table: Export, fmt: Format) -> str:
    return f"{scheme.slug}-{table.name}-{dates.today().isoformat()}.{fmt}"


def download(db: AsyncSession, actor: Actor, scheme: Scheme, table: Export, fmt: Format) -> Stream:
    """The response for a download of `table`: the audit event is written in the request's own transaction."""
    record(db, scheme.id, "export.downloaded", actor=actor, details={"table": table.name, "format": fmt})
    body = _csv(table) if fmt == "csv" else _xlsx(table)
    return Stream(
        body,
        media_type=FORMATS[fmt],
        headers={
            "content-disposition": f'attachment; filename="{filename(scheme, table, fmt)}"',
            "x-content-type-options": "nosniff",
        },
    )


async def _csv(table: Export) -> AsyncIterator[bytes]:
    for chunk in csv_chunks(table):
        yield chunk


async def _xlsx(table: Export) -> AsyncIterator[bytes]:
    """XlsxWriter writes the file in a worker thread; it is then read back in chunks and removed."""
    handle, name = tempfile.mkstemp(prefix="reciprocal-export-", suffix=".xlsx")
    os.close(handle)
    path = anyio.Path(name)
    try:
        await anyio.to_thread.run_sync(write_xlsx, table, Path(name))
        async with await anyio.open_file(name, "rb") as file:
            while chunk := await file.read(READ_SIZE):
                yield chunk
    finally:
        await path.unlink(missing_ok=True)
