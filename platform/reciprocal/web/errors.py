"""Error pages: what went wrong in plain words, never a traceback; the database down is a fast 503."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Template
from litestar.response.base import ASGIResponse
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_405_METHOD_NOT_ALLOWED,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.types import Receive, Scope, Send
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from reciprocal.kernel.errors import NotFound
from reciprocal.observability import SCHEME_PATH
from reciprocal.web.guard import SchemePaused, end_request_session, identify
from reciprocal.web.htmx import to_sign_in

log = structlog.get_logger(__name__)

TITLES = {
    400: "There is a problem with your request",
    401: "Sign in to continue",
    403: "You cannot do that",
    404: "Page not found",
    405: "You cannot do that",
    413: "What you sent is too long",
    503: "Sorry, the service is unavailable",
    500: "Sorry, there is a problem with the service",
}

DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    OSError,
    asyncio.TimeoutError,
)
"""Failures that mean the database is unreachable or overloaded, not that the request was wrong."""


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    accept = request.headers.get("accept", "")
    return not request.url.path.startswith(("/healthz", "/readyz", "/static/")) and (
        "text/html" in accept or "*/*" in accept or not accept
    )


CSRF_FAILED = "CSRF token verification failed"
"""Litestar's CSRF middleware's words when a form's token is missing or wrong."""


def error_response(request: Request[Any, Any, Any], status_code: int, *, reason: str = "") -> Response[Any]:
    title = TITLES.get(status_code, TITLES[400] if status_code < 500 else TITLES[500])
    # An error page may show who is signed in, and is never worth keeping: no cache holds one.
    headers = {"Cache-Control": "no-store"}
    if status_code == HTTP_503_SERVICE_UNAVAILABLE:
        headers["Retry-After"] = "10"
    if not _wants_html(request):
        return Response({"status_code": status_code, "detail": title}, status_code=status_code, headers=headers)
    return Template(
        "errors/error.html.j2",
        context={
            "status_code": status_code,
            "title": title,
            "reason": reason,
            "scheme": request.state.get("scheme"),
        },
        status_code=status_code,
        media_type=MediaType.HTML,
        headers=headers,
    )


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= HTTP_500_INTERNAL_SERVER_ERROR:
        return internal_error_handler(request, exc)
    slug = request.path_params.get("scheme_slug")
    if exc.status_code == HTTP_401_UNAUTHORIZED and slug:
        # Not signed in (or the session ended): to the scheme's sign-in page, whatever was asked for.
        return to_sign_in(request, f"/s/{slug}/sign-in")
    # The page words come from the status alone (an exception's detail can echo what was sent), with
    # one exception we raise ourselves in words: a form whose CSRF token did not match.
    if exc.status_code == HTTP_403_FORBIDDEN and exc.detail == CSRF_FAILED:
        return error_response(request, exc.status_code, reason="form_expired")
    if exc.status_code in (HTTP_404_NOT_FOUND, HTTP_405_METHOD_NOT_ALLOWED) and "scheme" not in request.state:
        # The router found no page (or not for this method), so the guard never ran: find the person now.
        found = SCHEME_PATH.match(request.url.path)
        if found:
            return _PersonsErrorPage(found.group(1), exc.status_code)
    return error_response(request, exc.status_code)


class _PersonsErrorPage(Response[None]):
    """An error page under a scheme that keeps the signed-in person's header, as its other pages do: it looks
    them up (as the guard does) when it is sent, since an exception handler cannot wait on the database."""

    def __init__(self, slug: str, status_code: int) -> None:
        super().__init__(None, status_code=status_code)
        self.slug, self.error_status = slug, status_code

    def to_asgi_response(self, app: Any, request: Request[Any, Any, Any], **kwargs: Any) -> ASGIResponse:
        return _IdentifyThenSend(self.slug, self.error_status, request, kwargs)


class _IdentifyThenSend(ASGIResponse):
    def __init__(self, slug: str, status_code: int, request: Request[Any, Any, Any], options: dict[str, Any]) -> None:
        super().__init__(status_code=status_code)
        self.slug, self.error_status, self.request, self.options = slug, status_code, request, options

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await identify(self.request, self.slug)
        except Exception as error:  # the page is still sent, without the header
            log.warning("error_page.person_not_found", error=type(error).__name__)
        finally:
            await end_request_session(scope, commit=False)
        page = error_response(self.request, self.error_status)
        await page.to_asgi_response(None, self.request, **self.options)(scope, receive, send)


def not_found_handler(request: Request[Any, Any, Any], exc: NotFound) -> Response[Any]:
    return error_response(request, HTTP_404_NOT_FOUND)


def database_unavailable_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, DBAPIError) and not _is_unavailable(exc):
        return internal_error_handler(request, exc)
    log.warning("database.unavailable", error=type(exc).__name__)
    return error_response(request, HTTP_503_SERVICE_UNAVAILABLE)


UNAVAILABLE_SQLSTATES = ("08", "53", "57", "58")
"""PostgreSQL's error classes that mean the database, not the request, failed: connection exceptions (08),
insufficient resources such as too many connections (53), operator intervention (57: a statement cut off by
its timeout, the server shutting down or restarting mid-query, or still starting up) and system errors (58)."""
READ_ONLY = "25006"
"""A write refused by a server that takes no writes: a standby (a failover under way, or an address that names
both servers without target_session_attrs=read-write), or a primary set read-only for maintenance. The request
was sound and will succeed once a server takes writes again: a 503, not a 500."""


def _is_unavailable(exc: DBAPIError) -> bool:
    # The driver adapter's error wraps asyncpg's own, which carries the SQLSTATE.
    cause = getattr(exc.orig, "__cause__", None)
    state = str(getattr(cause, "sqlstate", None) or getattr(exc.orig, "sqlstate", None) or "")
    return (
        exc.connection_invalidated
        or isinstance(exc, OperationalError | InterfaceError)
        or state[:2] in UNAVAILABLE_SQLSTATES
        or state == READ_ONLY
    )


def scheme_paused_handler(request: Request[Any, Any, Any], exc: SchemePaused) -> Response[Any]:
    return Template(
        "sign_in/paused.html.j2",
        context={"scheme": request.state.get("scheme")},
        status_code=HTTP_403_FORBIDDEN,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store"},
    )


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # Parameters are hidden by the engine (hide_parameters), so the message names no case content.
    log.error("request.failed", error=type(exc).__name__, exc_info=exc)
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    SchemePaused: scheme_paused_handler,
    HTTPException: http_exception_handler,
    NotFound: not_found_handler,
    **dict.fromkeys(DATABASE_UNAVAILABLE, database_unavailable_handler),
    DBAPIError: database_unavailable_handler,  # any other driver error: 503 when its SQLSTATE says so
    Exception: internal_error_handler,
}
