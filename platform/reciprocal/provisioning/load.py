"""Applying a scheme's configuration folder to the database: one transaction, idempotent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.criteria.services import publish_criteria
from reciprocal.db.engine import Database, scope_to_tenant
from reciprocal.notifications import templates
from reciprocal.partners.models import Organisation, OrganisationArea
from reciprocal.provisioning.folders import SchemeConfig
from reciprocal.tenancy.models import Area, Scheme
from reciprocal.tenancy.services import find_scheme


@dataclass(frozen=True)
class LoadResult:
    scheme_id: uuid.UUID
    created: bool
    criteria_version: int | None
    """The criteria version this load published, or None when the criteria were unchanged."""
    unlisted_areas: list[str]
    """Areas in the database that the folder no longer lists: kept, since referrals may name them."""


async def load_scheme(db: Database, config: SchemeConfig) -> LoadResult:
    """Create or update a scheme from its configuration, all in one transaction."""
    async with db.session() as session, session.begin():
        values = {
            "name": config.scheme.name,
            "region": config.scheme.region,
            "description": config.scheme.description,
            "area_term": config.scheme.area_term,
            "reference_prefix": config.scheme.reference_prefix,
            **{f"keep_{what}_days": days for what, days in msgspec.structs.asdict(config.scheme.retention).items()},
        }
        existing = await find_scheme(session, config.scheme.slug)
        if existing is None:
            scheme = Scheme(slug=config.scheme.slug, **values)
            session.add(scheme)
            await session.flush()
        else:
            scheme = existing
            for key, value in values.items():
                setattr(scheme, key, value)
        tenant_id = scheme.id
        await scope_to_tenant(session, tenant_id)

        area_ids = await _upsert_by_code(
            session,
            Area,
            tenant_id,
            [
                {
                    "code": a.code,
                    "name": a.name,
                    "short_name": a.short,
                    "grid_row": a.grid[0] if a.grid else None,
                    "grid_column": a.grid[1] if a.grid else None,
                }
                for a in config.areas
            ],
        )
        org_ids = await _upsert_by_code(
            session,
            Organisation,
            tenant_id,
            [
                {
                    "code": o.code,
                    "name": o.name,
                    "kind": o.kind,
                    "agreement_signed_on": o.agreement_signed_on,
                    "agreement_review_on": o.agreement_review_on,
                }
                for o in config.organisations
            ],
        )
        await session.execute(delete(OrganisationArea).where(OrganisationArea.tenant_id == tenant_id))
        coverage = [
            {"tenant_id": tenant_id, "organisation_id": org_ids[o.code], "area_id": area_ids[code]}
            for o in config.organisations
            for code in o.areas
        ]
        if coverage:
            await session.execute(insert(OrganisationArea), coverage)
        listed = {a.code for a in config.areas}
        unlisted = sorted(
            code
            for code in await session.scalars(select(Area.code).where(Area.tenant_id == tenant_id))
            if code not in listed
        )
        version = await publish_criteria(session, tenant_id, config.criteria)
        for message in config.messages:
            # NOTE: compared with what the folder gave last, not with the newest: an admin's later wording in
            # the portal stays until the folder's own wording changes (every `make demo` loads the folders).
            source = templates.Source(message.subject, message.body)
            if await templates.from_folder(session, tenant_id, message.kind) != source:
                await templates.save(session, tenant_id, message.kind, source, config.scheme.name, author=None)
        record(
            session,
            tenant_id,
            "scheme.loaded",
            subject_type="scheme",
            subject_id=tenant_id,
            details={
                "areas": len(config.areas),
                "organisations": len(config.organisations),
                "criteria_version": version,
            },
        )
    return LoadResult(tenant_id, existing is None, version, unlisted)


async def _upsert_by_code(
    session: AsyncSession, model: type[Area] | type[Organisation], tenant_id: uuid.UUID, rows: list[dict[str, object]]
) -> dict[str, uuid.UUID]:
    """Insert or update rows keyed by (tenant_id, code); returns every code's id."""
    if rows:
        statement = insert(model).values([{"tenant_id": tenant_id, "id": uuid.uuid4(), **row} for row in rows])
        updated = {key: statement.excluded[key] for key in rows[0] if key != "code"}
        await session.execute(statement.on_conflict_do_update(index_elements=["tenant_id", "code"], set_=updated))
    return {
        code: id_
        for code, id_ in await session.execute(select(model.code, model.id).where(model.tenant_id == tenant_id))
    }
