"""Row-level security and composite keys keep each scheme's rows to itself, in the database itself."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from reciprocal.db.engine import Database
from reciprocal.db.rls import APP_ROLE
from reciprocal.partners.models import Organisation, OrganisationArea
from reciprocal.tenancy.models import Area, Scheme


async def scheme_ids(db: Database) -> dict[str, uuid.UUID]:
    async with db.session() as session:
        return {slug: id_ for slug, id_ in (await session.execute(select(Scheme.slug, Scheme.id))).all()}


async def test_a_scoped_session_sees_only_its_schemes_rows(db: Database) -> None:
    ids = await scheme_ids(db)
    for slug, expected_areas in (("pan-london", 33), ("cambridgeshire", 6)):
        async with db.tenant_session(ids[slug]) as session:
            tenants = set(await session.scalars(select(Area.tenant_id)))
            count = await session.scalar(select(func.count()).select_from(Area))
            orgs = set(await session.scalars(select(Organisation.tenant_id)))
        assert tenants == {ids[slug]}
        assert orgs == {ids[slug]}
        assert count == expected_areas


async def test_an_unscoped_session_sees_no_tenant_rows(db: Database) -> None:
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Area)) == 0
        assert await session.scalar(select(func.count()).select_from(Organisation)) == 0
        # The schemes directory itself is not tenant-owned.
        assert await session.scalar(select(func.count()).select_from(Scheme)) == 2


async def test_the_setting_ends_with_its_transaction_on_a_reused_connection(db: Database) -> None:
    ids = await scheme_ids(db)
    async with db.engine.connect() as conn:
        pid = await conn.scalar(text("select pg_backend_pid()"))
    async with db.tenant_session(ids["pan-london"]) as session:
        assert await session.scalar(select(func.count()).select_from(Area)) == 33
        assert await session.scalar(text("select pg_backend_pid()")) == pid
    async with db.session() as session:
        assert await session.scalar(text("select pg_backend_pid()")) == pid
        assert await session.scalar(select(func.count()).select_from(Area)) == 0


async def test_writing_a_row_for_another_scheme_is_refused(db: Database) -> None:
    ids = await scheme_ids(db)
    async with db.tenant_session(ids["pan-london"]) as session:
        session.add(Area(tenant_id=ids["cambridgeshire"], code="smuggled", name="Smuggled"))
        with pytest.raises(DBAPIError, match="row-level security"):
            await session.flush()


async def test_an_unscoped_insert_is_refused(db: Database) -> None:
    ids = await scheme_ids(db)
    async with db.session() as session:
        session.add(Area(tenant_id=ids["pan-london"], code="orphan", name="Orphan"))
        with pytest.raises(DBAPIError, match="row-level security"):
            await session.flush()


async def test_updating_another_schemes_rows_touches_none(db: Database) -> None:
    ids = await scheme_ids(db)
    async with db.tenant_session(ids["pan-london"]) as session, session.begin():
        result = await session.execute(
            update(Area).where(Area.tenant_id == ids["cambridgeshire"]).values(name="Renamed")
        )
        assert result.rowcount == 0  # type: ignore[attr-defined]
    async with db.tenant_session(ids["cambridgeshire"]) as session:
        assert "Renamed" not in set(await session.scalars(select(Area.name)))


async def test_a_row_cannot_point_at_another_schemes_row(db: Database) -> None:
    """Composite foreign keys: a partner of one scheme cannot cover an area of another."""
    ids = await scheme_ids(db)
    async with db.tenant_session(ids["cambridgeshire"]) as session:
        cambridge = await session.scalar(select(Area.id).where(Area.code == "cambridge"))
    async with db.tenant_session(ids["pan-london"]) as session:
        camden = await session.scalar(select(Organisation.id).where(Organisation.code == "camden-council"))
        session.add(OrganisationArea(tenant_id=ids["pan-london"], organisation_id=camden, area_id=cambridge))
        with pytest.raises(IntegrityError, match="foreign key"):
            await session.flush()


async def test_every_tenant_table_forces_row_level_security(owner_connection: asyncpg.Connection) -> None:
    rows = await owner_connection.fetch(
        """
        select c.relname, c.relrowsecurity, c.relforcerowsecurity,
               (select count(*) from pg_policy p where p.polrelid = c.oid) as policies
        from pg_class c
        join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
        join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
        where c.relkind = 'r'
        """
    )
    assert len(rows) >= 7
    for row in rows:
        assert row["relrowsecurity"], row["relname"]
        assert row["relforcerowsecurity"], row["relname"]
        assert row["policies"] >= 1, row["relname"]


async def test_every_tenant_table_leads_its_keys_with_tenant_id(owner_connection: asyncpg.Connection) -> None:
    rows = await owner_connection.fetch(
        """
        select c.relname as table_name, i.relname as index_name,
               (select a.attname from pg_attribute a where a.attrelid = c.oid and a.attnum = x.indkey[0])
                 as first_column
        from pg_index x
        join pg_class c on c.oid = x.indrelid
        join pg_class i on i.oid = x.indexrelid
        where exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
          and c.relnamespace = 'public'::regnamespace
        """
    )
    assert rows
    for row in rows:
        assert row["first_column"] == "tenant_id", (row["table_name"], row["index_name"])


async def test_the_application_role_cannot_bypass_or_rewrite(owner_connection: asyncpg.Connection) -> None:
    role = await owner_connection.fetchrow(
        "select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = $1", APP_ROLE
    )
    assert role is not None
    assert not any(role.values())
    owned = await owner_connection.fetchval(
        "select count(*) from pg_tables where schemaname = 'public' and tableowner = $1", APP_ROLE
    )
    assert owned == 0
    for table, privilege in (
        ("audit_events", "UPDATE"),
        ("audit_events", "DELETE"),
        ("criteria_versions", "UPDATE"),
    ):
        allowed = await owner_connection.fetchval("select has_table_privilege($1, $2, $3)", APP_ROLE, table, privilege)
        assert not allowed, f"{APP_ROLE} may {privilege} {table}"
