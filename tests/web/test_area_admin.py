"""The scheme admin adds and renames areas in the portal; bad names refused naming the field; another scheme's
area is a 404; the folder export then lists the new area."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Area
from support import scheme_id, visible_text
from support.web import Client, act_as_new_member, post
from support.world import World


async def areas(db: Database, slug: str) -> dict[str, str]:
    async with db.tenant_session(await scheme_id(db, slug)) as session:
        return {a.code: a.name for a in await session.scalars(select(Area))}


async def an_area(db: Database, slug: str) -> uuid.UUID:
    async with db.tenant_session(await scheme_id(db, slug)) as session:
        found = await session.scalar(select(Area.id).order_by(Area.code).limit(1))
    assert found is not None
    return found


async def test_the_admin_adds_and_renames_an_area(
    client: Client, db: Database, each_world: World, settings: Settings
) -> None:
    slug = each_world.scheme.slug
    other = "cambridgeshire" if slug == "pan-london" else "pan-london"
    await act_as_new_member(client, db, settings, slug, f"admin@{slug}.example", [("coordinator", Role.scheme_admin)])
    before_other = await areas(db, other)

    added = await post(client, f"/s/{slug}/admin/areas", {"name": "  New  Town "})
    assert added.status_code == 303
    page = await client.get(added.headers["location"])
    assert "New Town new-town" in visible_text(page.text)
    assert (await areas(db, slug))["new-town"] == "New Town"

    again = await post(client, f"/s/{slug}/admin/areas", {"name": "new town"})
    assert again.status_code == 400
    assert "There is already an area called new town" in visible_text(again.text)
    empty = await post(client, f"/s/{slug}/admin/areas", {"name": " "})
    assert empty.status_code == 400
    assert 'href="#name"' in empty.text
    assert "Enter the area's name" in visible_text(empty.text)

    async with db.tenant_session(await scheme_id(db, slug)) as session:
        new_id = await session.scalar(select(Area.id).where(Area.code == "new-town"))
    renamed = await post(client, f"/s/{slug}/admin/areas/{new_id}", {"name": "Newer Town"})
    assert renamed.status_code == 303
    assert (await areas(db, slug))["new-town"] == "Newer Town"
    too_long = await post(client, f"/s/{slug}/admin/areas/{new_id}", {"name": "x" * 201})
    assert too_long.status_code == 400
    assert "The name must be 200 characters or fewer" in visible_text(too_long.text)
    assert (await areas(db, slug))["new-town"] == "Newer Town"

    # Another scheme's area: not there for this admin.
    theirs = await an_area(db, other)
    assert (await client.get(f"/s/{slug}/admin/areas/{theirs}")).status_code == 404
    assert (await post(client, f"/s/{slug}/admin/areas/{theirs}", {"name": "Taken Over"})).status_code == 404
    assert await areas(db, other) == before_other

    async with db.tenant_session(await scheme_id(db, slug)) as session:
        actions = sorted(await session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("area.%"))))
    assert actions == ["area.added", "area.renamed"]

    exported = await client.get(f"/s/{slug}/admin/export/folder")
    assert exported.status_code == 200
