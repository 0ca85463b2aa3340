"""The operators' pages under /operator/: sign-in by emailed link, sign-out, and the schemes' overview."""

from __future__ import annotations

from typing import Any

import msgspec
import structlog
from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader, State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db.engine import Database
from reciprocal.identity.access import ALLOW, PUBLIC, PUBLIC_RULE
from reciprocal.identity.links import LINK_LIFETIME_MINUTES, LinkRequest
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import normalise_email
from reciprocal.kernel.text import is_email_address
from reciprocal.mail.services import Mailer
from reciprocal.operations import services
from reciprocal.operations.services import SignedInOperator
from reciprocal.portals.operator import cohorts, schemes
from reciprocal.referrals import workflow
from reciprocal.settings import Settings
from reciprocal.web.guard import provide_directory
from reciprocal.web.htmx import to_sign_in

log = structlog.get_logger(__name__)

OPERATOR_COOKIE = "reciprocal_operator"
OPERATOR_PATH = "/operator/"
"""The operators' home, and the path their cookie is limited to: a scheme's pages never receive it."""
SIGN_IN = f"{OPERATOR_PATH}sign-in"

OPERATOR_RULE = "operator"
OPERATOR: dict[str, Any] = {ALLOW: OPERATOR_RULE}
"""`opt` for a page only a signed-in operator may use."""


STATE_LABELS = {state: workflow.WORDS[state].removeprefix("a ").capitalize() for state in workflow.State}
"""A referral state as a row label: `Draft`, `Awaiting landlord approval`, `Under offer`."""


async def admit_operator(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard on every /operator/ route: the operator behind the cookie, or off to sign in.

    Deny by default: a route must declare PUBLIC or OPERATOR in `opt["allow"]`; anything else (a scheme's
    roles included) is refused to everyone. A scheme's session cookie is never looked at here.
    """
    rule = handler.opt.get(ALLOW)
    if rule not in (PUBLIC_RULE, OPERATOR_RULE):
        log.error("route.undeclared", route=connection.scope.get("path_template"))
        raise PermissionDeniedException
    token = connection.cookies.get(OPERATOR_COOKIE)
    operator = None
    if token:
        database: Database = connection.app.state.db
        settings: Settings = connection.app.state.settings
        async with database.session() as session, session.begin():
            operator = await services.find_operator(session, token, settings)
    connection.state.operator = operator
    if operator is not None:
        structlog.contextvars.bind_contextvars(operator=str(operator.operator_id))
    if rule == OPERATOR_RULE and operator is None:
        raise NotAuthorizedException


def provide_operator(request: Request[Any, Any, Any]) -> SignedInOperator:
    """The signed-in operator; only OPERATOR routes may ask for it."""
    operator: SignedInOperator | None = request.state.operator
    if operator is None:
        raise NotAuthorizedException
    return operator


def provide_signed_in(request: Request[Any, Any, Any]) -> SignedInOperator | None:
    """The signed-in operator if there is one: for the public pages (sign-in) that send them home."""
    operator: SignedInOperator | None = request.state.operator
    return operator


def to_operator_sign_in(request: Request[Any, Any, Any], _exc: NotAuthorizedException) -> Response[Any]:
    """Not signed in as an operator (or the session ended): to the operators' sign-in page."""
    return to_sign_in(request, SIGN_IN)


class SignInForm(msgspec.Struct):
    email: str = ""


class LinkForm(msgspec.Struct):
    token: str = ""


def _client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


@get("/", opt=OPERATOR)
async def overview(state: State, operator: NamedDependency[SignedInOperator]) -> Template:
    database: Database = state.db
    found = await services.overview(database, state.migration_head)
    return Template(
        "operator/overview.html.j2",
        context={
            "operator": operator,
            "schemes": found.schemes,
            "health": found.health,
            "state_labels": STATE_LABELS,
        },
    )


@get("/sign-in", opt=PUBLIC)
async def sign_in_page(signed_in: NamedDependency[SignedInOperator | None]) -> Response[Any]:
    if signed_in is not None:
        return Redirect(OPERATOR_PATH, status_code=303)
    return Template("operator/sign_in.html.j2", context={"email": "", "errors": {}})


@post("/sign-in", opt=PUBLIC, status_code=200)
async def sign_in(
    data: URLEncodedBody[SignInForm],
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    keys: NamedDependency[Keys],
    mailer: NamedDependency[Mailer],
) -> Response[Any]:
    email = normalise_email(data.email)
    if not email:
        error = "Enter your email address"
    elif not is_email_address(email):
        error = "Enter an email address in the correct format, like name@example.com"
    else:
        error = ""
    if error:
        return Template(
            "operator/sign_in.html.j2",
            context={"email": data.email[:320], "errors": {"email": error}},
            status_code=400,
        )
    # NOTE: the configured address, never the request's Host: whoever sends the request chooses that.
    base = settings.require_base_url()
    outcome = await services.request_link(
        db, email, keys, mailer, client_ip=_client_ip(request), link_base=f"{base}{OPERATOR_PATH}sign-in/link/"
    )
    if outcome is LinkRequest.too_many_from_network:
        return _refused(
            title="Too many sign-in requests",
            message="Too many sign-in links have been asked for from your network. Wait 15 minutes, then try again.",
            status_code=429,
        )
    return Template("operator/check_email.html.j2", context={"email": email, "minutes": LINK_LIFETIME_MINUTES})


@get("/sign-in/link/{token:str}", opt=PUBLIC)
async def link_page(token: FromPath[str]) -> Template:
    """A button, not an automatic sign-in: mail scanners that fetch links must not use them up."""
    return Template("operator/link.html.j2", context={"token": token})


@post("/sign-in/link", opt=PUBLIC, status_code=200)
async def use_link(
    data: URLEncodedBody[LinkForm],
    db: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    operator = await services.redeem(db, data.token) if data.token else None
    if operator is None:
        return _refused(
            title="This sign-in link cannot be used",
            message="The link has expired or has already been used. Links work once, for 15 minutes. "
            "Ask for a new one.",
            status_code=403,
        )
    token = await services.start_session(db, operator, settings)
    response: Response[Any] = Redirect(OPERATOR_PATH, status_code=303)
    response.set_cookie(
        OPERATOR_COOKIE,
        token,
        path=OPERATOR_PATH,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return response


@post("/sign-out", opt=PUBLIC, status_code=200)
async def sign_out(request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
    token = request.cookies.get(OPERATOR_COOKIE)
    if token:
        await services.end_session(db, token)
    response: Response[Any] = Redirect(SIGN_IN, status_code=303)
    response.delete_cookie(OPERATOR_COOKIE, path=OPERATOR_PATH)
    return response


def _refused(*, title: str, message: str, status_code: int) -> Template:
    return Template("operator/refused.html.j2", context={"title": title, "message": message}, status_code=status_code)


router = Router(
    path="/operator",
    guards=[admit_operator],
    dependencies={
        "db": Provide(provide_directory),
        "operator": Provide(provide_operator, sync_to_thread=False),
        "signed_in": Provide(provide_signed_in, sync_to_thread=False),
    },
    exception_handlers={NotAuthorizedException: to_operator_sign_in},
    # Operators' pages show no case data, but who runs the service and its health are nobody else's to keep.
    cache_control=CacheControlHeader(no_store=True),
    route_handlers=[
        overview,
        sign_in_page,
        sign_in,
        link_page,
        use_link,
        sign_out,
        *cohorts.HANDLERS,
        *schemes.HANDLERS,
    ],
)
"""Every operator page: outside any scheme, behind its own guard and its own cookie."""
