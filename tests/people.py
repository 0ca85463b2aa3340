"""Actors for service-level tests: real users and memberships in the test database, acting in one role."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor, memberships_of
from reciprocal.partners.models import Organisation, OrganisationKind
from reciprocal.tenancy.models import Area, Scheme
from support import add_member


async def scheme(db: Database, slug: str) -> Scheme:
    async with db.session() as session:
        found = await session.scalar(select(Scheme).where(Scheme.slug == slug))
    assert found is not None
    return found


async def actor(db: Database, slug: str, org_code: str, role: Role, *, email: str | None = None) -> Actor:
    """A new member of `org_code` acting as `role`."""
    email = email or f"{role.value}.{uuid.uuid4().hex[:6]}@{org_code}.example"
    user = await add_member(db, slug, email, [(org_code, role)], name=role.value.replace("_", " ").title())
    async with db.tenant_session(user.tenant_id) as session:
        org = await session.scalar(
            select(Organisation).where(Organisation.tenant_id == user.tenant_id, Organisation.code == org_code)
        )
        assert org is not None
        acting = tuple(await memberships_of(session, user.tenant_id, user.id))
    return Actor(
        tenant_id=user.tenant_id,
        user_id=user.id,
        session_id=uuid.uuid4(),
        email=email,
        display_name=user.display_name,
        organisation_id=org.id,
        organisation_name=org.name,
        organisation_kind=OrganisationKind(org.kind),
        role=role,
        memberships=acting,
    )


async def area_ids(db: Database, tenant_id: uuid.UUID, *codes: str) -> list[uuid.UUID]:
    async with db.tenant_session(tenant_id) as session:
        found = dict((await session.execute(select(Area.code, Area.id).where(Area.tenant_id == tenant_id))).all())
    return [found[code] for code in codes]


async def organisation_id(db: Database, tenant_id: uuid.UUID, code: str) -> uuid.UUID:
    async with db.tenant_session(tenant_id) as session:
        found = await session.scalar(
            select(Organisation.id).where(Organisation.tenant_id == tenant_id, Organisation.code == code)
        )
    assert found is not None
    return found
