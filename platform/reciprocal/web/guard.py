"""The one place a request's scheme is found, the person behind it admitted, and its transaction scoped."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import structlog
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db.engine import Database, scope_to_tenant
from reciprocal.identity.access import ALLOW, PUBLIC_RULE
from reciprocal.identity.oidc import form_action_origins
from reciprocal.identity.services import SESSION_COOKIE, Actor, find_actor
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Scheme
from reciprocal.tenancy.services import find_scheme
from reciprocal.web.security import FORM_ACTION_ORIGINS

log = structlog.get_logger(__name__)


async def identify(connection: ASGIConnection[Any, Any, Any, Any], slug: str) -> tuple[Scheme | None, Actor | None]:
    """The scheme of this slug and the person signed in to it, if any, remembered on the connection's state
    for the pages, the error pages and the logs."""
    database: Database = connection.app.state.db
    settings: Settings = connection.app.state.settings
    token = connection.cookies.get(SESSION_COOKIE)
    async with database.session() as session, session.begin():
        scheme = await find_scheme(session, slug)
        if scheme is None:
            structlog.contextvars.bind_contextvars(scheme_found=False)
            return None, None
        await scope_to_tenant(session, scheme.id)
        actor = await find_actor(session, scheme.id, token, settings) if token else None
        connection.state[FORM_ACTION_ORIGINS] = await form_action_origins(session, scheme.id)
    structlog.contextvars.bind_contextvars(scheme=scheme.slug)
    connection.state.scheme = scheme
    connection.state.actor = actor
    if actor is not None:
        structlog.contextvars.bind_contextvars(user=str(actor.user_id), role=actor.role.value)
    return scheme, actor


async def admit(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard on every /s/{scheme}/ route: find the scheme (404), the person (sign in), their role (403).

    Deny by default: a route that declares no rule in `opt["allow"]` is refused to everyone.
    """
    rule = handler.opt.get(ALLOW)
    if rule is None:
        log.error("route.undeclared", route=connection.scope.get("path_template"))
        raise PermissionDeniedException
    scheme, actor = await identify(connection, connection.path_params["scheme_slug"])
    if scheme is None:
        raise NotFoundException
    if rule == PUBLIC_RULE:
        return
    if actor is None:
        raise NotAuthorizedException
    if actor.role not in rule:
        raise PermissionDeniedException


async def provide_db(request: Request[Any, Any, Any], state: State) -> AsyncGenerator[AsyncSession]:
    """A session in one transaction scoped to the request's scheme: committed on return, rolled back on error."""
    database: Database = state.db
    scheme: Scheme = request.state.scheme
    async with database.tenant_session(scheme.id) as session, session.begin():
        yield session


def provide_scheme(request: Request[Any, Any, Any]) -> Scheme:
    scheme: Scheme = request.state.scheme
    return scheme


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    """The signed-in person; only routes that admit roles (never PUBLIC ones) may ask for it."""
    actor: Actor | None = request.state.actor
    if actor is None:
        raise NotAuthorizedException
    return actor


def provide_viewer(request: Request[Any, Any, Any]) -> Actor | None:
    """The signed-in person if there is one: for public pages that greet them."""
    viewer: Actor | None = request.state.actor
    return viewer


async def provide_directory(state: State) -> AsyncGenerator[AsyncSession]:
    """An unscoped session for pages outside any scheme: it sees the schemes table and nothing else."""
    database: Database = state.db
    async with database.session() as session, session.begin():
        yield session
