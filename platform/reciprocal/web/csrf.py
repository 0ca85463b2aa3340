"""Cross-site request forgery: every unsafe request carries a token, bound to the session when there is one.

NOTE: Litestar's own CSRF middleware is a double-submit cookie: the form's token must equal the `csrftoken`
cookie, so a token from before sign-in, or one from another person's cookie, goes on working for whoever can
plant that cookie. This replaces it. A request without a session cookie is still checked that way (the
sign-in forms are sent before there is a session). A request with one must carry HMAC(CSRF key, the session
cookie's name and value) instead, which the pages it was sent from were given: only the server and the browser
holding that httponly cookie can know it, it changes with every sign-in, and no cookie token is accepted in
its place. The cookie's value, not the session's row id, so it is known before the guard's database lookup
and for the operator's session too; a stale cookie still gets consistent tokens, and the guard refuses it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import structlog
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash, generate_csrf_token
from litestar.utils.scope.state import ScopeState

from reciprocal.web.cookies import session_cookie
from reciprocal.web.errors import CSRF_FAILED

if TYPE_CHECKING:
    from litestar import Request
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger(__name__)

FORM_FIELD = "_csrf_token"


def session_csrf_token(secret: str, cookie_name: str, session: str) -> str:
    """The token a signed-in person's forms carry: their session's, and no one else's."""
    return hmac.new(secret.encode(), f"session {cookie_name}={session}".encode(), hashlib.sha256).hexdigest()


class SessionBoundCSRF:
    """Checks the token of every unsafe request and gives every page the token its forms must send."""

    def __init__(self, app: ASGIApp, *, config: CSRFConfig, session_cookies: Iterable[str]) -> None:
        self.app, self.config, self.session_cookies = app, config, tuple(session_cookies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope=scope, receive=receive)
        cookie = request.cookies.get(self.config.cookie_name)
        signed_in = session_cookie(request.cookies, self.session_cookies)
        bound = session_csrf_token(self.config.secret, *signed_in) if signed_in else None
        state = ScopeState.from_scope(scope)
        if request.method in self.config.safe_methods:
            anonymous = cookie or generate_csrf_token(secret=self.config.secret)
            state.csrf_token = bound or anonymous
            await self.app(scope, receive, send if cookie else self._setting_cookie(send, anonymous))
            return
        sent = request.headers.get(self.config.header_name)
        if not sent and request.content_type[0] in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
            value = (await request.form()).get(FORM_FIELD)
            sent = value if isinstance(value, str) else None
        expected = bound or (cookie if cookie and self._signed(cookie) else None)
        if not sent or not expected or not hmac.compare_digest(sent, expected):
            log.warning("request.csrf_refused", signed_in=bound is not None, token_sent=bool(sent))
            raise PermissionDeniedException(CSRF_FAILED)
        state.csrf_token = sent
        await self.app(scope, receive, send)

    def _signed(self, token: str) -> bool:
        """A cookie token this service issued: random hex, then its HMAC."""
        random, mac = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
        return bool(mac) and hmac.compare_digest(mac, generate_csrf_hash(token=random, secret=self.config.secret))

    def _setting_cookie(self, send: Send, token: str) -> Send:
        cookie = Cookie(
            key=self.config.cookie_name,
            value=token,
            path=self.config.cookie_path,
            secure=self.config.cookie_secure,
            httponly=self.config.cookie_httponly,
            samesite=self.config.cookie_samesite,
            domain=self.config.cookie_domain,
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))
            await send(message)

        return send_with_cookie


def session_bound_csrf(config: CSRFConfig, *, session_cookies: Iterable[str]) -> DefineMiddleware:
    """The middleware, innermost of the app's, where Litestar's own CSRF check would sit."""
    return DefineMiddleware(SessionBoundCSRF, config=config, session_cookies=tuple(session_cookies))
