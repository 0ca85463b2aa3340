"""Requests are answered only for the service's own host names: a request's Host header never picks an address."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import structlog
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.datastructures import Headers
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.middleware.allowed_hosts import AllowedHostsMiddleware
from litestar.status_codes import HTTP_400_BAD_REQUEST

if TYPE_CHECKING:
    from litestar.types import Receive, Scope, Send

log = structlog.get_logger(__name__)

ANY_HOST = "any_host"
"""`opt` key of the routes answered whatever the Host: load balancers probe /healthz and /readyz by address."""


class AllowedHosts(AllowedHostsMiddleware):
    """Litestar's allowed-hosts check, refusing with the service's own 400 page.

    NOTE: Litestar's own middleware answers a refused host itself, with a bare JSON body, where no
    exception handler sees it; this one raises instead, so web/errors.py writes the page. It runs after
    routing (Litestar puts app middleware around each route), so an unknown path is still a plain 404.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        host = Headers.from_scope(scope).get("host", "").lower()
        if self.allowed_hosts_regex is not None and not self.allowed_hosts_regex.fullmatch(host):
            # Not the name: it is whatever the client sent. A proxy that rewrites Host (nginx's default) shows
            # as every request refused, with the route of each on its request line.
            log.warning("request.host_refused")
            raise HTTPException(status_code=HTTP_400_BAD_REQUEST)
        await self.app(scope, receive, send)


def allowed_hosts(hosts: Iterable[str]) -> DefineMiddleware:
    """The middleware admitting requests for `hosts` only (Settings.request_hosts)."""
    config = AllowedHostsConfig(allowed_hosts=list(hosts), exclude_opt_key=ANY_HOST, www_redirect=False)
    return DefineMiddleware(AllowedHosts, config=config)
