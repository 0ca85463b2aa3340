"""`reciprocal operator add | list | disable`, and the operators' tables as the application role has them."""

from __future__ import annotations

import asyncio

import asyncpg
from click.testing import CliRunner, Result

from reciprocal.cli import main
from reciprocal.db.engine import Database
from reciprocal.db.rls import APP_ROLE
from reciprocal.operations import services as operations
from support import DatabaseUnderTest, make_settings

OPERATOR_TABLES = ("operators", "operator_sessions", "operator_sign_in_links", "operator_sign_in_attempts")


async def run(database: DatabaseUnderTest, *args: str) -> Result:
    env = {"DATABASE_URL": database.app.render_as_string(hide_password=False), "RECIPROCAL_LOG_FORMAT": "json"}
    return await asyncio.to_thread(CliRunner().invoke, main, ["operator", *args], env=env)


async def test_operators_are_added_listed_and_disabled(database: DatabaseUnderTest, db: Database) -> None:
    empty = await run(database, "list")
    assert empty.exit_code == 0, empty.output
    assert "No operators yet" in empty.output

    added = await run(database, "add", " Ops@Reciprocal.example", "--name", "Olu Operations")
    assert added.exit_code == 0, added.output
    assert "Added operator ops@reciprocal.example" in added.output
    assert (await run(database, "add", "second@reciprocal.example", "--name", "Sam Second")).exit_code == 0

    listed = await run(database, "list")
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [
        "ops@reciprocal.example\tOlu Operations\tactive\tlast signed in never",
        "second@reciprocal.example\tSam Second\tactive\tlast signed in never",
    ]

    again = await run(database, "add", "OPS@reciprocal.example", "--name", "Someone Else")
    assert again.exit_code != 0
    assert "ops@reciprocal.example is already an operator" in again.output
    not_an_address = await run(database, "add", "ops", "--name", "No Address")
    assert not_an_address.exit_code != 0
    assert "is not an email address" in not_an_address.output
    assert (await run(database, "add", "third@reciprocal.example")).exit_code != 0  # --name is required

    # Disabling ends what is live now, not only what comes later.
    async with db.session() as session, session.begin():
        operator = next(o for o in await operations.list_operators(session) if o.email == "second@reciprocal.example")
        token = await operations.start_session(session, operator, make_settings())
    disabled = await run(database, "disable", "second@reciprocal.example")
    assert disabled.exit_code == 0, disabled.output
    async with db.session() as session:
        assert await operations.find_operator(session, token, make_settings()) is None
    assert "second@reciprocal.example\tSam Second\tdisabled" in (await run(database, "list")).output
    unknown = await run(database, "disable", "nobody@reciprocal.example")
    assert unknown.exit_code != 0
    assert "nobody@reciprocal.example is not an operator" in unknown.output


async def test_the_operator_tables_belong_to_no_scheme_and_are_never_deleted_from(
    owner_connection: asyncpg.Connection,
) -> None:
    """Platform-level: no tenant_id, so no row-level security to key; the application role may not delete."""
    rows = await owner_connection.fetch(
        """
        select c.relname,
               exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id') as tenant,
               has_table_privilege($1, c.oid, 'SELECT') as can_select,
               has_table_privilege($1, c.oid, 'INSERT') as can_insert,
               has_table_privilege($1, c.oid, 'DELETE') as can_delete
        from pg_class c
        where c.relname = any($2::text[]) and c.relnamespace = 'public'::regnamespace
        """,
        APP_ROLE,
        list(OPERATOR_TABLES),
    )
    assert sorted(row["relname"] for row in rows) == sorted(OPERATOR_TABLES)
    for row in rows:
        assert not row["tenant"], row["relname"]
        assert row["can_select"], row["relname"]
        assert row["can_insert"], row["relname"]
        assert not row["can_delete"], row["relname"]
