"""Security headers on every response, static files and error pages included."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.enums import ScopeType

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

# NOTE: browsers apply form-action to every redirect a form's submission follows: signing in (POST, then
# 303 to the organisation's provider) and out (POST, then 303 to its end-session page) leave this origin.
FORM_ACTION = "form-action 'self' https:"
DEMO_FORM_ACTION = f"{FORM_ACTION} http://127.0.0.1:*"
"""Demo mode also reaches the local provider that `reciprocal demo` runs on plain-HTTP loopback."""


def content_security_policy(*, demo: bool = False) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            # No inline script and no eval: htmx is configured with allowEval false from a meta tag.
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            DEMO_FORM_ACTION if demo else FORM_ACTION,
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def security_headers(*, hsts: bool, demo: bool = False) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", content_security_policy(demo=demo).encode()),
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

    def __init__(self, app: ASGIApp, *, hsts: bool, demo: bool = False) -> None:
        self.app = app
        self.headers = security_headers(hsts=hsts, demo=demo)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
