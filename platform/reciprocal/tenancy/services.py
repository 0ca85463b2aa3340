"""Finding schemes, counting what each holds, and the names it is made of."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.kernel.names import vocabulary
from reciprocal.partners.models import Organisation, OrganisationKind
from reciprocal.tenancy.models import Area, Scheme


async def list_schemes(session: AsyncSession) -> list[Scheme]:
    """Every scheme on the service: the directory is public, like the schemes' criteria."""
    return list(await session.scalars(select(Scheme).order_by(Scheme.name)))


async def find_scheme(session: AsyncSession, slug: str) -> Scheme | None:
    return await session.scalar(select(Scheme).where(Scheme.slug == slug))


@dataclass(frozen=True)
class SchemeCounts:
    areas: int
    partners: int
    agencies: int


async def scheme_counts(session: AsyncSession, tenant_id: uuid.UUID) -> SchemeCounts:
    """Areas, housing partners and referring agencies of one scheme."""
    housing = (OrganisationKind.council, OrganisationKind.housing_association)
    row = (
        await session.execute(
            select(
                select(func.count()).where(Area.tenant_id == tenant_id).scalar_subquery(),
                select(func.count())
                .where(Organisation.tenant_id == tenant_id, Organisation.kind.in_(housing))
                .scalar_subquery(),
                select(func.count())
                .where(Organisation.tenant_id == tenant_id, Organisation.kind == OrganisationKind.agency)
                .scalar_subquery(),
            )
        )
    ).one()
    return SchemeCounts(areas=row[0], partners=row[1], agencies=row[2])


async def scheme_vocabulary(session: AsyncSession, tenant_id: uuid.UUID) -> frozenset[str]:
    """The words of a scheme's own names, its areas' and organisations' ("Chelsea", "Brent"): never taken for
    a person's name in free text."""
    rows = await session.scalars(
        select(Area.name)
        .where(Area.tenant_id == tenant_id)
        .union_all(select(Organisation.name).where(Organisation.tenant_id == tenant_id))
    )
    return vocabulary(*rows)
