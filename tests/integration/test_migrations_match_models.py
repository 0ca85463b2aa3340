"""The migrations build exactly the tables the models describe: a column added to a model without a migration
(or a migration that drifts from its model) fails here, not in production."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from reciprocal.migrations.models import Base
from support import DatabaseUnderTest

PGQUEUER = ("pgqueuer", "pgqueuer_log", "pgqueuer_statistics", "pgqueuer_schedules")
"""pgqueuer's own tables, created by its install SQL and never by our models."""


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": False})
    found = compare_metadata(context, Base.metadata)
    return [
        change
        for change in found
        if not (isinstance(change, tuple) and change[0] == "remove_table" and change[1].name.startswith(PGQUEUER))
        and not (
            isinstance(change, tuple) and change[0] == "remove_index" and change[1].table.name.startswith(PGQUEUER)
        )
    ]


async def test_the_migrated_database_matches_the_models(database: DatabaseUnderTest) -> None:
    engine = create_async_engine(database.owner.set(drivername="postgresql+asyncpg"))
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == []
