"""The Litestar application factory."""

from __future__ import annotations

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from sqlalchemy.engine import URL

from reciprocal.db.engine import Database
from reciprocal.db.migrate import head_revision, known_revisions
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import SESSION_COOKIE
from reciprocal.mail.services import mailer_from_settings, wait_for_sending
from reciprocal.observability import RequestLogMiddleware, configure_logging
from reciprocal.portals.coordinator import presenters as coordinator_words
from reciprocal.portals.operator.controllers import OPERATOR_COOKIE
from reciprocal.routes import ROUTES
from reciprocal.settings import Settings, SettingsError
from reciprocal.web.abandoned import CancelAbandoned
from reciprocal.web.csrf import session_bound_csrf
from reciprocal.web.errors import EXCEPTION_HANDLERS
from reciprocal.web.hosts import allowed_hosts
from reciprocal.web.limits import Limit, body_limits
from reciprocal.web.schemes import SchemeDirectory
from reciprocal.web.security import SecurityHeadersMiddleware
from reciprocal.web.templating import template_config

MAX_BODY_BYTES = 128 * 1024
"""The largest request body: the longest form (the criteria editor, or four 2,000-character answers sent
as the browser encodes them) is a fraction of this."""

SESSION_COOKIES = (SESSION_COOKIE, OPERATOR_COOKIE)

SIGNED_IN = Limit(body_bytes=MAX_BODY_BYTES, fields=2000)
"""What a signed-in person's form may send: the criteria editor, the longest, has a few hundred fields."""


def create_app(settings: Settings | None = None, *, database_url: str | URL | None = None) -> Litestar:
    """Build the service. `database_url` overrides the settings' (the CLI passes the embedded one)."""
    settings = settings or Settings.from_env()
    url = database_url or settings.database_url
    if url is None:
        raise SettingsError("DATABASE_URL is not set: use `reciprocal serve`, which starts an embedded database")
    configure_logging(settings)
    keys = Keys(settings.require_secret_key(), settings.previous_secret_keys)
    # Requests for any other host are refused (400): links are built from the base URL, never the Host.
    hosts = settings.request_hosts()
    mailer = mailer_from_settings(settings)
    db = Database(url, settings)
    app = Litestar(
        route_handlers=[
            *ROUTES,
            create_static_files_router(
                path="/static",
                directories=[settings.static_dir],
                cache_control=CacheControlHeader(max_age=3600, public=True),
                include_in_schema=False,
            ),
        ],
        template_config=template_config(settings.templates_dir, filters=coordinator_words.FILTERS),
        plugins=[HTMXPlugin()],
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[
            allowed_hosts(hosts),
            body_limits(signed_in=SIGNED_IN, session_cookies=SESSION_COOKIES),
            # Ours, not Litestar's `csrf_config`: a signed-in person's token is bound to their session.
            session_bound_csrf(
                CSRFConfig(
                    secret=keys.csrf,
                    cookie_secure=settings.secure_cookies,
                    cookie_samesite="lax",
                    header_name="x-csrftoken",
                ),
                session_cookies=SESSION_COOKIES,
            ),
        ],
        # What handlers need from the service itself, as named dependencies rather than state lookups.
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "keys": Provide(lambda: keys, use_cache=True, sync_to_thread=False),
            "mailer": Provide(lambda: mailer, use_cache=True, sync_to_thread=False),
        },
        state=State(
            {
                "db": db,
                "schemes": SchemeDirectory(settings.scheme_cache_s),
                "migration_head": head_revision(),
                "migrations_known": known_revisions(),
                "settings": settings,
                "secret_keys": keys,
                "mailer": mailer,
            }
        ),
        # Sign-in emails queued by requests that have committed are sent before the process ends.
        on_shutdown=[wait_for_sending, db.dispose],
        # NOTE: every form is a few kilobytes; a larger body is refused before anything parses it.
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=None,
        # Logging is ours (reciprocal.observability): Litestar must not install its own handlers.
        logging_config=None,
        debug=False,
    )
    # NOTE: wrapped around Litestar's own handler, outside routing and exception handling, so unknown
    # paths and error responses are logged and get the headers too.
    # Outermost, a request whose client has gone is cancelled (web/abandoned.py).
    app.asgi_handler = CancelAbandoned(
        RequestLogMiddleware(SecurityHeadersMiddleware(app.asgi_handler, hsts=not settings.demo))
    )
    return app
