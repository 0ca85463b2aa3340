"""The scheme admin's home, and its pages for people, sign-in and criteria, in the order the router takes them."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.notifications import delivery
from reciprocal.portals.scheme_admin import (
    areas,
    cohorts,
    criteria,
    exit_export,
    messages,
    organisation_setup,
    providers,
    retention,
    users,
)
from reciprocal.provisioning import export
from reciprocal.tenancy.models import Scheme
from reciprocal.web.urls import see_other

ADMIN = allow(Role.scheme_admin)


@get("/admin/", opt=ADMIN)
async def admin_home(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    retried: FromQuery[bool] = False,
) -> Template:
    failed = await delivery.undelivered(db, scheme.id)
    return Template(
        "scheme_admin/home.html.j2",
        context={"scheme": scheme, "actor": actor, "failed": failed, "retried": retried},
    )


@post("/admin/messages/{message_id:uuid}/retry", opt=ADMIN, status_code=200)
async def retry_message(
    request: Request[Any, Any, Any],
    message_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
) -> Redirect:
    """Send a failed email again (after the person's address, or the mail server, was put right)."""
    if not await delivery.retry(db, scheme.id, message_id):
        raise NotFoundException()
    return see_other(request, admin_home, {"retried": "true"})


@get("/admin/export/folder", opt=ADMIN)
async def export_folder(
    db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme], actor: NamedDependency[Actor]
) -> Response[bytes]:
    """The scheme as its configuration folder, zipped: `reciprocal tenant load` reads it back unchanged."""
    files = await export.scheme_files(db, scheme.id)
    record(db, scheme.id, "export.downloaded", actor=actor, details={"table": "scheme-folder", "format": "zip"})
    return Response(
        export.zipped(scheme.slug, files),
        media_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="{scheme.slug}-folder.zip"',
            "x-content-type-options": "nosniff",
        },
    )


HANDLERS = [
    admin_home,
    retry_message,
    export_folder,
    *users.HANDLERS,
    *providers.HANDLERS,
    *criteria.HANDLERS,
    *messages.HANDLERS,
    *cohorts.HANDLERS,
    *exit_export.HANDLERS,
    *areas.HANDLERS,
    *organisation_setup.HANDLERS,
    *retention.HANDLERS,
]
