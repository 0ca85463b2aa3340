"""Alembic, driven from our code: `reciprocal migrate` and the readiness check share this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from reciprocal.db.engine import async_url

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> frozenset[str]:
    """Every revision this code has: a database at another one was migrated by a newer release."""
    return frozenset(script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    # env.py runs on this connection rather than opening its own (works inside a running event loop).
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def migrate(owner_url: str | URL, revision: str = "head") -> None:
    """Bring the schema to `revision`, connected as the role that owns the tables."""
    engine: AsyncEngine = create_async_engine(async_url(owner_url))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade, revision)
    finally:
        await engine.dispose()


async def schema_is_current(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        return await conn.run_sync(current_revision) == head_revision()
