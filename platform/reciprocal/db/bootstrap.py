"""Creating the roles and the database, given a superuser: demo, tests and first deployment."""

from __future__ import annotations

import asyncpg
import structlog
from sqlalchemy.engine import URL

from reciprocal.db.rls import APP_ROLE

log = structlog.get_logger(__name__)

OWNER_ROLE = "reciprocal_owner"
"""Owns the tables and runs migrations. Row-level security is FORCEd, so it is bound by it too."""
DATABASE = "reciprocal"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


async def connect_as(url: URL, database: str | None = None) -> asyncpg.Connection:
    return await asyncpg.connect(
        user=url.username,
        password=url.password or None,
        host=url.query.get("host") or url.host,
        port=url.port,
        database=database or url.database,
    )


async def ensure_role(admin: asyncpg.Connection, name: str, password: str | None) -> None:
    exists = await admin.fetchval("select 1 from pg_roles where rolname = $1", name)
    if exists and not password:
        # NOTE: altering a role takes a catalogue row lock; concurrent bootstraps (parallel test runs)
        # would fail with "tuple concurrently updated" for no gain.
        return
    verb = "ALTER" if exists else "CREATE"
    attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"
    if password:
        attributes += f" PASSWORD {_literal(password)}"
    await admin.execute(f"{verb} ROLE {_quote(name)} {attributes}")


async def bootstrap(admin_url: URL, owner_url: URL, app_url: URL) -> None:
    """Create (or bring up to date) the owner role, the application role and the database.

    Role names, passwords and the database name come from the two service addresses, so one set of
    variables describes a deployment. Safe to run again.
    """
    admin = await connect_as(admin_url)
    try:
        owner = owner_url.username or OWNER_ROLE
        await ensure_role(admin, owner, owner_url.password)
        await ensure_role(admin, APP_ROLE, None)
        app_login = app_url.username or APP_ROLE
        if app_login != APP_ROLE:
            await ensure_role(admin, app_login, app_url.password)
            await admin.execute(f"GRANT {_quote(APP_ROLE)} TO {_quote(app_login)}")
        elif app_url.password:
            await ensure_role(admin, APP_ROLE, app_url.password)
        database = owner_url.database or DATABASE
        if not await admin.fetchval("select 1 from pg_database where datname = $1", database):
            await admin.execute(f"CREATE DATABASE {_quote(database)} OWNER {_quote(owner)}")
            log.info("database.created", database=database)
        await admin.execute(f"REVOKE ALL ON DATABASE {_quote(database)} FROM PUBLIC")
        await admin.execute(f"GRANT CONNECT ON DATABASE {_quote(database)} TO {_quote(APP_ROLE)}")
    finally:
        await admin.close()
    # The schema belongs to the owner; the application may use it but create nothing in it.
    conn = await connect_as(admin_url, database)
    try:
        await conn.execute(f"ALTER SCHEMA public OWNER TO {_quote(owner)}")
        await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        await conn.execute(f"GRANT USAGE ON SCHEMA public TO {_quote(APP_ROLE)}")
    finally:
        await conn.close()


async def refresh_statistics(owner_url: URL) -> None:
    """ANALYZE, as the owner, after a bulk load (the demo's, a test's): until autovacuum's next round the planner
    has no statistics for the rows just written, guesses one row per table and picks nested loops that read a
    small scheme's referral areas ten thousand times (the demo's year report took over a second a query)."""
    conn = await connect_as(owner_url)
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def role_urls(admin_url: URL, database: str = DATABASE) -> tuple[URL, URL]:
    """Owner and application addresses on a server reached as `admin_url` with trust or peer auth."""
    owner = admin_url.set(username=OWNER_ROLE, password=None, database=database)
    app = admin_url.set(username=APP_ROLE, password=None, database=database)
    return owner, app
