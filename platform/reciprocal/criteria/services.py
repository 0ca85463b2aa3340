"""Publishing and reading a scheme's criteria versions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.models import CriteriaVersion
from reciprocal.criteria.schemas import Criteria


@dataclass(frozen=True)
class PublishedCriteria:
    version: int
    published_at: datetime
    criteria: Criteria


async def current_criteria(session: AsyncSession, tenant_id: uuid.UUID) -> PublishedCriteria | None:
    """The scheme's latest criteria version."""
    row = await session.scalar(
        select(CriteriaVersion)
        .where(CriteriaVersion.tenant_id == tenant_id)
        .order_by(CriteriaVersion.version.desc())
        .limit(1)
    )
    if row is None:
        return None
    return PublishedCriteria(row.version, row.created_at, msgspec.convert(row.document, Criteria))


async def publish_criteria(session: AsyncSession, tenant_id: uuid.UUID, criteria: Criteria) -> int | None:
    """Save `criteria` as the next version unless it equals the current one; returns the new version."""
    current = await current_criteria(session, tenant_id)
    if current is not None and current.criteria == criteria:
        return None
    version = 1 if current is None else current.version + 1
    session.add(CriteriaVersion(tenant_id=tenant_id, version=version, document=msgspec.to_builtins(criteria)))
    return version


async def criteria_at(session: AsyncSession, tenant_id: uuid.UUID, version: int) -> Criteria:
    """The criteria as they stood at `version`: what a referral is checked against for its whole life."""
    document = await session.scalar(
        select(CriteriaVersion.document).where(
            CriteriaVersion.tenant_id == tenant_id, CriteriaVersion.version == version
        )
    )
    if document is None:
        raise LookupError(f"criteria version {version} does not exist")
    return msgspec.convert(document, Criteria)
