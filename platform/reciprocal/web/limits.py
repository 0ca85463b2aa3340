"""What a request may carry, checked before anything parses it: far less for someone not signed in, and
never a NUL byte, which PostgreSQL cannot store (a NUL in a path, a query or a form was a 500).

NOTE: Litestar's CSRF check parses a whole form body to find its token before it can refuse the request, so
an anonymous 3 MB body of 400,000 fields once stalled the service for two seconds. This runs before it (app
middleware wraps the CSRF check) and reads the body itself, refusing it with the 413 page at the first byte
or field over the limit, then hands the same bytes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from litestar.connection import ASGIConnection
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_413_REQUEST_ENTITY_TOO_LARGE

from reciprocal.web.cookies import session_cookie

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

log = structlog.get_logger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Limit:
    body_bytes: int
    fields: int


ANONYMOUS = Limit(body_bytes=8 * 1024, fields=20)
"""Sign-in forms: an email address, a link's token, a provider's choice, the CSRF token."""


class BodyLimits:
    """Refuses a body over its limit (413) before the CSRF check or a handler parses it."""

    def __init__(self, app: ASGIApp, *, signed_in: Limit, session_cookies: Iterable[str]) -> None:
        self.app, self.signed_in, self.session_cookies = app, signed_in, tuple(session_cookies)

    def _limit(self, scope: Scope) -> Limit:
        # A session cookie, even a forged one, only lifts the limit to the signed-in one, which holds anyway.
        signed_in = session_cookie(ASGIConnection[Any, Any, Any, Any](scope).cookies, self.session_cookies)
        return self.signed_in if signed_in else ANONYMOUS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or _has_nul(scope["query_string"]):
            _refuse_nul("address")
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers.from_scope(scope)
        limit = self._limit(scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit.body_bytes:
            self._refuse(limit, "body")
        chunks: list[bytes] = []
        size = fields = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            fields += chunk.count(b"&")
            if size > limit.body_bytes:
                self._refuse(limit, "body")
            if fields >= limit.fields:
                self._refuse(limit, "fields")
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _has_nul(body):
            _refuse_nul("body")
        replayed = False

        async def replay() -> ReceiveMessage:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _refuse(self, limit: Limit, what: str) -> None:
        log.warning("request.body_refused", over=what, anonymous=limit is ANONYMOUS)
        raise HTTPException(status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE)


def _has_nul(raw: bytes) -> bool:
    """A NUL byte, as sent or as a form or query encodes it."""
    return b"\x00" in raw or b"%00" in raw


def _refuse_nul(where: str) -> None:
    log.warning("request.nul_refused", where=where)
    raise HTTPException(status_code=HTTP_400_BAD_REQUEST)


def body_limits(*, signed_in: Limit, session_cookies: Iterable[str]) -> DefineMiddleware:
    """The middleware: `signed_in` for requests carrying one of `session_cookies`, ANONYMOUS for the rest."""
    return DefineMiddleware(BodyLimits, signed_in=signed_in, session_cookies=tuple(session_cookies))
