"""Security headers on every response, static files and error pages included."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from litestar.enums import ScopeType

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

FORM_ACTION_ORIGINS = "form_action_origins"
"""The request state's key for the origins, besides our own, a form on the page may lead to (set by the guard)."""


def content_security_policy(form_action: Sequence[str] = ()) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            # No inline script and no eval: htmx is configured with allowEval false from a meta tag.
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            # NOTE: browsers apply form-action to every redirect a form's submission follows: signing in (POST,
            # then 303 to the organisation's provider) and out (POST, then 303 to its end-session page) leave
            # this origin, so a scheme's pages list its providers' origins, and every other page none.
            " ".join(["form-action 'self'", *form_action]),
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


@lru_cache(maxsize=256)
def _policy_header(form_action: tuple[str, ...]) -> tuple[bytes, bytes]:
    return (b"content-security-policy", content_security_policy(form_action).encode())


def security_headers(*, hsts: bool) -> list[tuple[bytes, bytes]]:
    """The headers besides the Content-Security-Policy, which depends on the page's scheme."""
    headers = [
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if hsts:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP response, including those Litestar answers before routing."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers = security_headers(hsts=hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                origins = tuple(scope.get("state", {}).get(FORM_ACTION_ORIGINS, ()))
                message["headers"] = [*message.get("headers", []), _policy_header(origins), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
