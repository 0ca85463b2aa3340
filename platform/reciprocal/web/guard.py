"""The one place a request's scheme is found, the person behind it admitted, and its transaction scoped."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import structlog
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db.engine import Database
from reciprocal.identity.access import ALLOW, PUBLIC_RULE
from reciprocal.identity.oidc import form_action_origins
from reciprocal.identity.services import SESSION_COOKIE, Actor, find_actor
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Scheme
from reciprocal.web.schemes import SchemeDirectory
from reciprocal.web.security import FORM_ACTION_ORIGINS

log = structlog.get_logger(__name__)


class SchemePaused(HTTPException):
    """The scheme is suspended by the service's operators: no one signs in to it until it is resumed
    (web/errors.py shows the page that says so)."""

    status_code = 403


REQUEST_SESSION = "db_session"
"""Where a request under a scheme keeps its one session (scope state): the guard's lookups and the page's own
work share its connection and its transaction."""


def request_session(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncSession:
    """The request's one session, made on first need; it takes a pooled connection at its first statement."""
    state = connection.scope.setdefault("state", {})
    session: AsyncSession | None = state.get(REQUEST_SESSION)
    if session is None:
        database: Database = connection.app.state.db
        session = state[REQUEST_SESSION] = database.session()
    return session


async def end_request_session(scope: Scope, *, commit: bool) -> None:
    """Commit (or roll back) what is left of the request's transaction and hand its connection back."""
    session: AsyncSession | None = scope.get("state", {}).pop(REQUEST_SESSION, None)
    if session is None:
        return
    try:
        if commit and session.in_transaction():
            await session.commit()
    finally:
        await session.close()


async def identify(connection: ASGIConnection[Any, Any, Any, Any], slug: str) -> tuple[Scheme | None, Actor | None]:
    """The scheme of this slug and the person signed in to it, if any, remembered on the connection's state
    for the pages, the error pages and the logs. Read in the request's own session, which it scopes to the
    scheme: no query at all for a known scheme and no cookie.

    NOTE: connections are not pinged when checked out (a round trip per request). A connection the database
    dropped fails at its first statement, which is here when there is a cookie: SQLAlchemy then replaces every
    connection of the pool, and this looks once more on a new one. A page's own first statement failing so is
    the 503 page (web/errors.py); the next request is served.
    """
    schemes: SchemeDirectory = connection.app.state.schemes
    settings: Settings = connection.app.state.settings
    token = connection.cookies.get(SESSION_COOKIE)
    session = request_session(connection)
    for attempt in (1, 2):
        try:
            known = await schemes.find(session, slug)
            # A suspended scheme admits no one: its sessions were ended, and a cookie still held finds nobody.
            live = known is not None and known.scheme.suspended_at is None
            actor = await find_actor(session, known.scheme.id, token, settings) if known and live and token else None
            break
        except DBAPIError as error:
            if attempt == 2 or not error.connection_invalidated:
                raise
            await session.rollback()
            log.info("database.connection_replaced")
    if known is None:
        structlog.contextvars.bind_contextvars(scheme_found=False)
        return None, None
    connection.state[FORM_ACTION_ORIGINS] = form_action_origins(known.issuers)
    structlog.contextvars.bind_contextvars(scheme=known.scheme.slug)
    connection.state.scheme = known.scheme
    connection.state.actor = actor
    if actor is not None:
        structlog.contextvars.bind_contextvars(user=str(actor.user_id), role=actor.role.value)
    return known.scheme, actor


class RequestSession:
    """Router middleware for /s/{scheme}/: ends the request's session however the request ended.

    A page that asks for `db` has its transaction committed before its response is sent (provide_db); this
    ends what is left: the guard's own work (the idle clock) for a page without `db`, committed unless the
    response was a server error; and on every path the connection goes back to the pool.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            await end_request_session(scope, commit=status < 500)


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
    if scheme.suspended_at is not None and (rule != PUBLIC_RULE or _signs_in(connection)):
        raise SchemePaused
    if rule == PUBLIC_RULE:
        return
    if actor is None:
        raise NotAuthorizedException
    if actor.role not in rule:
        raise PermissionDeniedException


def _signs_in(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """The sign-in pages (email, provider's return, link): refused while the scheme is suspended."""
    return "/sign-in" in str(connection.scope.get("path_template", connection.url.path))


async def provide_db(request: Request[Any, Any, Any]) -> AsyncGenerator[AsyncSession]:
    """The request's session, scoped to its scheme by the guard, in the transaction the guard began:
    committed when the page has made its response (before it is sent), rolled back on error."""
    session = request_session(request)
    try:
        yield session
    except BaseException:
        await session.rollback()
        raise
    await session.commit()


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
