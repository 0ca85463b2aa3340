"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from reciprocal.db.engine import Database
from reciprocal.db.migrate import current_revision
from reciprocal.web.errors import DATABASE_UNAVAILABLE
from reciprocal.web.hosts import ANY_HOST

PROBE = {ANY_HOST: True}
"""Answered whatever the Host: load balancers and orchestrators probe by address, and neither builds a link."""


@get("/healthz", sync_to_thread=False, include_in_schema=False, opt=PROBE)
def healthz() -> dict[str, str]:
    """The process is alive and answering."""
    return {"status": "ok"}


@get("/readyz", include_in_schema=False, opt=PROBE)
async def readyz(state: State) -> Response[dict[str, Any]]:
    """Ready for traffic: the database answers and its schema is the one this code expects, or a newer one.

    NOTE: during a rollout the migration job runs first, so the pods of the release before stand on a schema
    ahead of their code until the new pods replace them. They stay ready: each migration leaves the schema
    usable by the release before it (add first, remove a release later). A schema behind the code is not ready.
    """
    db: Database = state.db
    expected = state.migration_head
    try:
        async with db.engine.connect() as conn:
            current = await conn.run_sync(current_revision)
    except DATABASE_UNAVAILABLE:
        return Response({"status": "unavailable", "database": "unreachable"}, status_code=HTTP_503_SERVICE_UNAVAILABLE)
    if current == expected:
        return Response({"status": "ok", "database": "ok", "migrations": "current"}, status_code=HTTP_200_OK)
    ahead = current is not None and current not in state.migrations_known
    body = {
        "status": "ok" if ahead else "unavailable",
        "database": "ok",
        "migrations": "ahead" if ahead else "pending",
        "current": current,
        "expected": expected,
    }
    return Response(body, status_code=HTTP_200_OK if ahead else HTTP_503_SERVICE_UNAVAILABLE)
