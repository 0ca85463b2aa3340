"""A scheme admin sets up the scheme's areas in the portal, as its folder's areas.toml would: added and renamed,
never deleted (referrals, partners' cover and the ledger may name an area; `tenant load` keeps unlisted ones too).
Each change is audited."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import NotFound, Refused
from reciprocal.tenancy.models import Area

NAME_LIMIT = 200


def _checked_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Refused(problems=[("name", "Enter the area's name")])
    if len(name) > NAME_LIMIT:
        raise Refused(problems=[("name", f"The name must be {NAME_LIMIT} characters or fewer")])
    return name


async def _name_taken(db: AsyncSession, tenant_id: uuid.UUID, name: str, other_than: uuid.UUID | None) -> bool:
    query = select(Area.id).where(Area.tenant_id == tenant_id, func.lower(Area.name) == name.lower())
    if other_than is not None:
        query = query.where(Area.id != other_than)
    return await db.scalar(query.limit(1)) is not None


def _code_for(name: str) -> str:
    return (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "area")[:55]


async def list_areas(db: AsyncSession, actor: Actor) -> list[Area]:
    return list(await db.scalars(select(Area).where(Area.tenant_id == actor.tenant_id).order_by(Area.name)))


async def find_area(db: AsyncSession, actor: Actor, area_id: uuid.UUID) -> Area:
    area = await db.scalar(select(Area).where(Area.tenant_id == actor.tenant_id, Area.id == area_id))
    if area is None:
        raise NotFound()
    return area


async def add_area(db: AsyncSession, actor: Actor, name: str) -> Area:
    """A new area named `name`; its code (what the folder and the maps key it by) is made from the name."""
    name = _checked_name(name)
    if await _name_taken(db, actor.tenant_id, name, None):
        raise Refused(problems=[("name", f"There is already an area called {name}")])
    base = _code_for(name)
    taken = set(
        await db.scalars(select(Area.code).where(Area.tenant_id == actor.tenant_id, Area.code.startswith(base)))
    )
    code = next(c for c in [base, *(f"{base}-{n}" for n in range(2, 1000))] if c not in taken)
    area = Area(tenant_id=actor.tenant_id, code=code, name=name)
    db.add(area)
    await db.flush()
    record(db, actor.tenant_id, "area.added", actor=actor, subject_type="area", subject_id=area.id)
    return area


async def rename_area(db: AsyncSession, actor: Actor, area_id: uuid.UUID, name: str) -> Area:
    """The area's new name; its code stays, so everything that names it still does."""
    area = await find_area(db, actor, area_id)
    name = _checked_name(name)
    if await _name_taken(db, actor.tenant_id, name, area.id):
        raise Refused(problems=[("name", f"There is already an area called {name}")])
    if name != area.name:
        area.name = name
        await db.flush()
        record(db, actor.tenant_id, "area.renamed", actor=actor, subject_type="area", subject_id=area.id)
    return area
