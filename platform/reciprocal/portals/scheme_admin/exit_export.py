"""The scheme admin downloads the whole scheme in the open exit format (exports.scheme_exit): audited."""

from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.db.engine import Database
from reciprocal.exports.scheme_exit import export_scheme
from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel import dates
from reciprocal.tenancy.models import Scheme

ADMIN = allow(Role.scheme_admin)


@get("/admin/export", opt=ADMIN)
async def exit_export(
    state: State, db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Response[bytes]:
    """The zip of JSON Lines, one file per table, with its README: read in its own transaction, in this scheme."""
    database: Database = state.db
    body = await export_scheme(database, scheme.id)
    record(db, scheme.id, "export.scheme_downloaded", actor=actor, details={"bytes": len(body)})
    return Response(
        body,
        media_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="{scheme.slug}-export-{dates.today().isoformat()}.zip"',
            "x-content-type-options": "nosniff",
            "cache-control": "no-store",
        },
    )


HANDLERS = [exit_export]
