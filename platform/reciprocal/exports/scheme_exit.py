"""A scheme's exit export: the whole scheme as JSON Lines, one file per table, in a zip with a README of the
fields; and its import into a fresh service (`reciprocal tenant import <zip>`).

Open and documented: each line is one row, a JSON object whose keys are the table's columns (uuids, dates and
times as ISO 8601 strings, everything else as JSON). Tables are written, and loaded, parents first.

No secrets leave the service. Left out whole: sessions, sign-in links and OpenID flows (tokens), sign-in
attempts (security records), the email outbox (sign-in emails carry links), and ledger_balances (derived: the
database rebuilds it from the ledger's entries as they load). Left out as columns: an identity provider's
client secret (encrypted; the admin enters it again) and an offer's address (encrypted with this service's key,
which another service does not have; only live offers have one). Both are empty after an import.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Table, Uuid, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db.engine import Database, scope_to_tenant
from reciprocal.kernel.errors import Refused
from reciprocal.migrations.models import Base
from reciprocal.tenancy.models import Scheme

FORMAT = "reciprocal-scheme-export/1"
LEFT_OUT_TABLES = frozenset(
    {"user_sessions", "sign_in_links", "oidc_flows", "sign_in_attempts", "outbox_messages", "ledger_balances"}
)
LEFT_OUT_COLUMNS = {"identity_providers": {"client_secret_encrypted"}, "offers": {"address_encrypted"}}
EMPTY_SECRET = ""
"""What an imported identity provider's secret is until the admin enters it again (the column is not null)."""


def tables() -> list[Table]:
    """The scheme's tables, parents first: every tenant-owned table but those left out."""
    return [
        t
        for t in Base.metadata.sorted_tables
        if "tenant_id" in t.columns and t.name not in LEFT_OUT_TABLES and t.schema is None
    ]


def _columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name not in LEFT_OUT_COLUMNS.get(table.name, set())]


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):  # an enum member
        return value.value
    return value


def _typed(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in row.items():
        kind = table.columns[name].type
        if value is not None and isinstance(kind, Uuid):
            value = uuid.UUID(value)
        elif value is not None and isinstance(kind, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(kind, Date):
            value = date.fromisoformat(value)
        out[name] = value
    return out


def _order(table: Table) -> list[Any]:
    first = [table.columns["created_at"]] if "created_at" in table.columns else []
    return [*first, *table.primary_key.columns]


def readme(scheme: Scheme) -> str:
    lines = [
        f"# {scheme.name}: scheme export ({FORMAT})",
        "",
        "One file per table, JSON Lines (one row per line, a JSON object keyed by column). Uuids, dates and times",
        "are ISO 8601 strings. `scheme.jsonl` is the scheme itself; the tables follow in the order they load.",
        "Load into an empty service with `reciprocal tenant import <this zip>`.",
        "",
        "Left out (no secrets leave the service): " + ", ".join(sorted(LEFT_OUT_TABLES)) + ";",
        "identity_providers.client_secret_encrypted (enter it again) and offers.address_encrypted (encrypted with",
        "the old service's key). ledger_balances is rebuilt from ledger_entries as they load.",
        "",
    ]
    for table in tables():
        lines.append(f"## {table.name}.jsonl")
        for column in table.columns:
            if column.name in LEFT_OUT_COLUMNS.get(table.name, set()):
                continue
            doc = " ".join((column.doc or column.comment or "").split())
            null = ", may be null" if column.nullable else ""
            lines.append(f"- `{column.name}` ({column.type}{null}){': ' + doc if doc else ''}")
        lines.append("")
    return "\n".join(lines)


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n" for row in rows).encode()


async def _rows(session: AsyncSession, table: Table, tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    names = _columns(table)
    query = select(*(table.columns[n] for n in names)).where(table.columns["tenant_id"] == tenant_id)
    result = await session.execute(query.order_by(*_order(table)))
    return [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in result]


async def export_scheme(db: Database, tenant_id: uuid.UUID) -> bytes:
    """The zip: README.md, scheme.jsonl and one `<table>.jsonl` per table, read in one transaction."""
    buffer = io.BytesIO()
    async with db.tenant_session(tenant_id) as session, session.begin():
        scheme = await session.get_one(Scheme, tenant_id)
        scheme_table: Table = Scheme.__table__  # type: ignore[assignment]
        own = {c.name: _plain(getattr(scheme, c.key)) for c in scheme_table.columns}
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.md", readme(scheme))
            archive.writestr("scheme.jsonl", _jsonl([own]))
            for table in tables():
                archive.writestr(f"{table.name}.jsonl", _jsonl(await _rows(session, table, tenant_id)))
    return buffer.getvalue()


def _read(archive: zipfile.ZipFile, name: str) -> Iterator[dict[str, Any]]:
    try:
        text = archive.read(name).decode()
    except KeyError:
        return
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)


async def import_scheme(db: Database, path: Path) -> Scheme:
    """Load an export into this service, in one transaction; refused if a scheme of that slug or id exists."""
    with zipfile.ZipFile(path) as archive:
        scheme_rows = list(_read(archive, "scheme.jsonl"))
        if len(scheme_rows) != 1:
            raise Refused("This is not a scheme export: it has no scheme.jsonl with one scheme.")
        scheme_table: Table = Scheme.__table__  # type: ignore[assignment]
        values = _typed(scheme_table, scheme_rows[0])
        async with db.session() as session, session.begin():
            taken = await session.scalar(
                select(Scheme.id).where((Scheme.slug == values["slug"]) | (Scheme.id == values["id"]))
            )
            if taken is not None:
                raise Refused(f"A scheme {values['slug']} is already on this service: import into a fresh one.")
            await session.execute(insert(scheme_table).values(**values))
            await scope_to_tenant(session, values["id"])
            for table in tables():
                rows = [_typed(table, row) for row in _read(archive, f"{table.name}.jsonl")]
                if table.name == "identity_providers":
                    rows = [{**row, "client_secret_encrypted": EMPTY_SECRET} for row in rows]
                if rows:
                    await session.execute(insert(table), rows)
        return await _scheme(db, values["id"])


async def _scheme(db: Database, tenant_id: uuid.UUID) -> Scheme:
    async with db.session() as session:
        return await session.get_one(Scheme, tenant_id)
