"""Publishing and reading a scheme's criteria versions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import msgspec
import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.audit.services import record
from reciprocal.criteria.models import CriteriaVersion
from reciprocal.criteria.schemas import Criteria, diff
from reciprocal.identity.models import User
from reciprocal.identity.services import Actor
from reciprocal.partners.models import Organisation
from reciprocal.tenancy.models import Area

log = structlog.get_logger(__name__)

PUBLISHED = "criteria.published"
"""The audit action of a version a scheme admin published from the edit page."""
LOADED = "scheme.loaded"
"""The audit action of `reciprocal tenant load`, which publishes the configuration folder's criteria."""


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


async def area_count(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """How many areas the scheme has: no type of risk may ask for more safe areas than this."""
    return await session.scalar(select(func.count()).select_from(Area).where(Area.tenant_id == tenant_id)) or 0


class StaleVersion(Exception):
    """Another version was published after the one an edit started from: publishing it would undo that one."""

    def __init__(self, current: int) -> None:
        super().__init__(f"version {current} is now the current one")
        self.current = current


async def publish_edit(session: AsyncSession, actor: Actor, criteria: Criteria, *, base_version: int) -> int | None:
    """Publish a scheme admin's edit of `base_version` as the next version; None when nothing changed.

    Raises StaleVersion when `base_version` is no longer the current one, even if someone got there first
    by a moment (both would write the same version number: the database refuses the second).
    """
    current = await current_criteria(session, actor.tenant_id)
    if current is None or current.version != base_version:
        raise StaleVersion(current.version if current else 0)
    try:
        async with session.begin_nested():
            version = await publish_criteria(session, actor.tenant_id, criteria)
    except IntegrityError as error:
        raise StaleVersion(base_version + 1) from error
    if version is None:
        return None
    record(
        session,
        actor.tenant_id,
        PUBLISHED,
        actor=actor,
        subject_type="scheme",
        subject_id=actor.tenant_id,
        details={"version": version, "base_version": base_version},
    )
    log.info("criteria.published", version=version)
    return version


@dataclass(frozen=True)
class VersionRow:
    version: int
    published_at: datetime
    published_by: str
    """'Name, Organisation' of the scheme admin who published it, or how it came about otherwise."""
    changes: list[str]
    """What it changed from the version before, in words; empty for the first."""


async def versions(session: AsyncSession, tenant_id: uuid.UUID, area_term: str) -> list[VersionRow]:
    """Every version of the scheme's criteria, newest first, with who published it and what it changed."""
    rows = list(
        await session.scalars(
            select(CriteriaVersion).where(CriteriaVersion.tenant_id == tenant_id).order_by(CriteriaVersion.version)
        )
    )
    published_by = await _published_by(session, tenant_id)
    found: list[VersionRow] = []
    previous: Criteria | None = None
    for row in rows:
        criteria = msgspec.convert(row.document, Criteria)
        changes = diff(previous, criteria, area_term) if previous is not None else []
        by = published_by.get(row.version, "Not recorded")
        found.append(VersionRow(row.version, row.created_at, by, changes))
        previous = criteria
    return found[::-1]


async def _published_by(session: AsyncSession, tenant_id: uuid.UUID) -> dict[int, str]:
    """Who published each version, from the audit trail: a scheme admin, or the scheme's configuration."""
    edited = await session.execute(
        select(AuditEvent.details["version"].as_integer(), User.display_name, Organisation.name)
        .outerjoin(User, (User.tenant_id == AuditEvent.tenant_id) & (User.id == AuditEvent.actor_user_id))
        .outerjoin(
            Organisation,
            (Organisation.tenant_id == AuditEvent.tenant_id) & (Organisation.id == AuditEvent.actor_organisation_id),
        )
        .where(AuditEvent.tenant_id == tenant_id, AuditEvent.action == PUBLISHED)
    )
    loaded = await session.scalars(
        select(AuditEvent.details["criteria_version"].as_integer()).where(
            AuditEvent.tenant_id == tenant_id, AuditEvent.action == LOADED
        )
    )
    found = {version: "Loaded from the scheme's configuration" for version in loaded if version is not None}
    for version, person, organisation in edited:
        found[version] = ", ".join(part for part in (person, organisation) if part) or "A scheme admin"
    return found
