"""The one place a request's scheme is found and its transaction scoped to it."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import structlog
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db.engine import Database, scope_to_tenant
from reciprocal.tenancy.models import Scheme
from reciprocal.tenancy.services import find_scheme


async def provide_db(scheme_slug: FromPath[str], state: State) -> AsyncGenerator[AsyncSession]:
    """A session in one transaction scoped to the scheme named by the URL; 404 if there is none.

    Committed when the handler returns, rolled back when it raises.
    """
    database: Database = state.db
    async with database.session() as session, session.begin():
        scheme = await find_scheme(session, scheme_slug)
        if scheme is None:
            raise NotFoundException
        await scope_to_tenant(session, scheme.id)
        session.info["scheme"] = scheme
        structlog.contextvars.bind_contextvars(scheme=scheme.slug)
        yield session


def provide_scheme(db: NamedDependency[AsyncSession]) -> Scheme:
    scheme: Scheme = db.info["scheme"]
    return scheme


async def provide_directory(state: State) -> AsyncGenerator[AsyncSession]:
    """An unscoped session for pages outside any scheme: it sees the schemes table and nothing else."""
    database: Database = state.db
    async with database.session() as session, session.begin():
        yield session
