"""A scheme written back out as its configuration folder: what `reciprocal tenant load` reads, so the two round-trip.

The files are written in a fixed order (areas and organisations by code, messages by kind) so that exporting a
scheme, loading the export into an empty service and exporting again gives the same bytes.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.services import current_criteria
from reciprocal.notifications import templates
from reciprocal.partners.models import Organisation, OrganisationArea
from reciprocal.tenancy.models import Area, Scheme

FILES = ("scheme.toml", "areas.toml", "organisations.toml", "criteria.toml", "messages.toml")


async def scheme_files(session: AsyncSession, tenant_id: uuid.UUID) -> dict[str, str]:
    """Each file of the scheme's folder by name, as text. `session` must be scoped to `tenant_id`."""
    scheme = await session.get_one(Scheme, tenant_id)
    areas = list(await session.scalars(select(Area).where(Area.tenant_id == tenant_id).order_by(Area.code)))
    codes = {area.id: area.code for area in areas}
    organisations = list(
        await session.scalars(
            select(Organisation).where(Organisation.tenant_id == tenant_id).order_by(Organisation.code)
        )
    )
    covered: dict[uuid.UUID, list[str]] = {}
    for organisation_id, area_id in await session.execute(
        select(OrganisationArea.organisation_id, OrganisationArea.area_id).where(
            OrganisationArea.tenant_id == tenant_id
        )
    ):
        covered.setdefault(organisation_id, []).append(codes[area_id])
    published = await current_criteria(session, tenant_id)
    messages = []
    for kind in sorted(templates.EDITABLE):
        saved = await templates.current(session, tenant_id, kind)
        if saved is not None:
            messages.append({"kind": kind, "subject": saved.subject, "body": saved.body})

    files = {
        "scheme.toml": dumps(
            {
                "slug": scheme.slug,
                "name": scheme.name,
                "region": scheme.region,
                "reference_prefix": scheme.reference_prefix,
                "area_term": scheme.area_term,
                "description": scheme.description,
                "retention": {
                    "closed_referrals": scheme.keep_closed_referrals_days,
                    "audit_events": scheme.keep_audit_events_days,
                    "sign_in_records": scheme.keep_sign_in_records_days,
                    "outbox_messages": scheme.keep_outbox_messages_days,
                    "sessions": scheme.keep_sessions_days,
                },
            }
        ),
        "areas.toml": dumps(
            {
                "area": [
                    {
                        "code": a.code,
                        "name": a.name,
                        "short": a.short_name,
                        "grid": [a.grid_row, a.grid_column] if a.grid_row is not None else None,
                    }
                    for a in areas
                ]
            }
        ),
        "organisations.toml": dumps(
            {
                "organisation": [
                    {
                        "code": o.code,
                        "name": o.name,
                        "kind": str(o.kind),
                        "areas": sorted(covered.get(o.id, [])) or None,
                        "agreement_signed_on": o.agreement_signed_on,
                        "agreement_review_on": o.agreement_review_on,
                    }
                    for o in organisations
                ]
            }
        ),
        "criteria.toml": dumps(msgspec.to_builtins(published.criteria) if published else {}),
    }
    if messages:
        files["messages.toml"] = dumps({"message": messages})
    return files


async def write_folder(session: AsyncSession, tenant_id: uuid.UUID, parent: Path) -> Path:
    """Write the scheme's folder as `parent/<slug>/`; returns it. Files the export does not write are left."""
    files = await scheme_files(session, tenant_id)
    slug = str(msgspec.toml.decode(files["scheme.toml"].encode())["slug"])
    folder = parent / slug
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def zipped(slug: str, files: Mapping[str, str]) -> bytes:
    """The folder as a zip (`<slug>/scheme.toml`, ...) for the scheme admin's download."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(f"{slug}/{name}", date_time=(2000, 1, 1, 0, 0, 0))
            archive.writestr(info, text.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# A small TOML writer for the shapes a scheme folder has: tables of scalars, arrays of tables, inline tables
# inside them. (msgspec writes TOML only through tomli_w, which this service does not otherwise need.)


def dumps(document: Mapping[str, object]) -> str:
    lines: list[str] = []
    tables: list[tuple[str, Mapping[str, object]]] = []
    arrays: list[tuple[str, list[Mapping[str, object]]]] = []
    for key, value in document.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
            arrays.append((key, value))
        elif value is not None:
            lines.append(f"{key} = {_value(value)}")
    for key, table in tables:
        lines += ["", f"[{key}]"] + [f"{k} = {_value(v)}" for k, v in table.items() if v is not None]
    for key, items in arrays:
        for item in items:
            lines += ["", f"[[{key}]]"] + [f"{k} = {_value(v)}" for k, v in item.items() if v is not None]
    return "\n".join(lines).lstrip("\n") + "\n"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items() if v is not None) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
