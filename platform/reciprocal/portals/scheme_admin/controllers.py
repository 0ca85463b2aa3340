"""The scheme admin's home, and its pages for people, sign-in and criteria, in the order the router takes them."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.notifications import delivery
from reciprocal.portals.scheme_admin import criteria, messages, providers, retention, users
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


HANDLERS = [
    admin_home,
    retry_message,
    *users.HANDLERS,
    *providers.HANDLERS,
    *criteria.HANDLERS,
    *messages.HANDLERS,
    *retention.HANDLERS,
]
