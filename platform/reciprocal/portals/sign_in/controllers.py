"""Sign-in (home-realm discovery, then the organisation's provider or an emailed link), and sign-out."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
import structlog
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db.engine import Database
from reciprocal.identity import links, oidc
from reciprocal.identity.access import PUBLIC
from reciprocal.identity.models import IdentityProvider, User
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import (
    SESSION_COOKIE,
    Actor,
    end_session,
    normalise_email,
    note_failed_sign_in,
    recent_failures,
    start_session,
)
from reciprocal.kernel.text import is_email_address
from reciprocal.mail.services import Mailer, mail_is_printed
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Scheme
from reciprocal.web.urls import callback_url, scheme_url

log = structlog.get_logger(__name__)


class SignInForm(msgspec.Struct):
    email: str = ""


class LinkForm(msgspec.Struct):
    token: str = ""


def signed_in(scheme: Scheme, token: str, settings: Settings) -> Response[Any]:
    """Off to the person's home, with a fresh session cookie scoped to this scheme's pages."""
    response: Response[Any] = Redirect(f"/s/{scheme.slug}/home", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path=f"/s/{scheme.slug}/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    response.delete_cookie(oidc.FLOW_COOKIE, path=f"/s/{scheme.slug}/sign-in/")
    return response


def refused(scheme: Scheme, *, title: str, message: str, status_code: int = 403) -> Template:
    return Template(
        "sign_in/refused.html.j2",
        context={"scheme": scheme, "title": title, "message": message},
        status_code=status_code,
    )


@get("/sign-in", opt=PUBLIC)
async def sign_in_page(scheme: NamedDependency[Scheme], viewer: NamedDependency[Actor | None]) -> Response[Any]:
    if viewer is not None:
        return Redirect(f"/s/{scheme.slug}/home", status_code=303)
    return Template("sign_in/sign_in.html.j2", context={"scheme": scheme, "email": "", "errors": {}})


@post("/sign-in", opt=PUBLIC, status_code=200)
async def sign_in(
    data: URLEncodedBody[SignInForm],
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    settings: NamedDependency[Settings],
    keys: NamedDependency[Keys],
    mailer: NamedDependency[Mailer],
) -> Response[Any]:
    if throttled := await _throttled(db, scheme, keys, request):
        return throttled
    email = normalise_email(data.email)
    if not email:
        error = "Enter your work email address"
    elif not is_email_address(email):
        error = "Enter an email address in the correct format, like name@council.gov.uk"
    else:
        error = ""
    if error:
        return Template(
            "sign_in/sign_in.html.j2",
            context={"scheme": scheme, "email": data.email[:320], "errors": {"email": error}},
            status_code=400,
        )
    provider = await oidc.provider_for_email(db, scheme.id, email)
    if provider is not None:
        try:
            url, flow_state = await oidc.begin(
                db,
                scheme.id,
                provider,
                keys,
                redirect_uri=callback_url(settings, scheme, provider.id),
                login_hint=email,
            )
        except oidc.SignInRefused as refusal:
            log.warning("sign_in.provider_unavailable", provider=str(provider.id), reason=refusal.reason)
            return refused(
                scheme,
                title="Your organisation's sign-in is not available",
                message=(
                    "We could not reach your organisation's sign-in service. Try again in a few minutes; if it "
                    "keeps happening, tell your scheme admin."
                ),
                status_code=503,
            )
        response: Response[Any] = Redirect(url, status_code=303)
        response.set_cookie(
            oidc.FLOW_COOKIE,
            flow_state,
            path=f"/s/{scheme.slug}/sign-in/",
            max_age=600,
            secure=settings.secure_cookies,
            httponly=True,
            samesite="lax",
        )
        return response
    outcome = await links.request_link(
        db,
        scheme.id,
        scheme.name,
        email,
        keys,
        settings,
        mailer,
        client_ip=_client_ip(request),
        link_base=f"{scheme_url(settings, scheme)}sign-in/link/",
    )
    if outcome is links.LinkRequest.too_many_from_network:
        return refused(
            scheme,
            title="Too many sign-in requests",
            message="Too many sign-in links have been asked for from your network. Wait 15 minutes, then try again.",
            status_code=429,
        )
    if outcome is links.LinkRequest.too_many_for_address and mail_is_printed(settings):
        # Demo only: "check your email" would send a newcomer to a terminal where nothing new was printed.
        return Template(
            "sign_in/no_new_link.html.j2",
            context={
                "scheme": scheme,
                "email": email,
                "minutes": links.LINK_LIFETIME_MINUTES,
                "per_address": links.MAX_PER_ADDRESS,
                "window_minutes": int(links.THROTTLE_WINDOW.total_seconds() // 60),
                "again": await links.next_link_at(db, scheme.id, email, keys),
            },
        )
    # Sent, unknown, or asked for too often: one page, word for word, whatever the address.
    return Template(
        "sign_in/check_email.html.j2",
        context={"scheme": scheme, "email": email, "minutes": links.LINK_LIFETIME_MINUTES},
    )


@get("/sign-in/oidc/{provider_id:uuid}/callback", opt=PUBLIC)
async def oidc_callback(
    provider_id: FromPath[uuid.UUID],
    request: Request[Any, Any, Any],
    scheme: NamedDependency[Scheme],
    settings: NamedDependency[Settings],
    keys: NamedDependency[Keys],
    code: FromQuery[str | None] = None,
    # NOTE: `state` is a reserved handler parameter in Litestar: the query's `state` arrives aliased.
    oauth_state: Annotated[str | None, QueryParameter(name="state")] = None,
) -> Response[Any]:
    """The provider sends the browser back here. No request-long transaction: the provider is called
    between short ones, so a slow provider holds no pooled connection (see oidc.complete)."""
    database: Database = request.app.state.db
    async with database.tenant_session(scheme.id) as db, db.begin():
        if throttled := await _throttled(db, scheme, keys, request):
            return throttled
    try:
        result = await oidc.complete(
            database,
            scheme.id,
            provider_id,
            keys,
            code=code,
            state=oauth_state,
            browser_state=request.cookies.get(oidc.FLOW_COOKIE),
            redirect_uri=callback_url(settings, scheme, provider_id),
        )
    except oidc.SignInRefused as refusal:
        async with database.tenant_session(scheme.id) as db, db.begin():
            return await _refuse_sign_in(db, scheme, keys, request, refusal.reason)
    async with database.tenant_session(scheme.id) as db, db.begin():
        user = await db.get(User, (scheme.id, result.user.id))
        token = (
            await start_session(
                db,
                scheme.id,
                user,
                settings,
                method="oidc",
                organisation_id=result.provider.organisation_id,
                provider_id=result.provider.id,
                id_token=result.id_token,
            )
            if user is not None
            else None
        )
        if token is None:
            return await _refuse_sign_in(db, scheme, keys, request, "no_membership")
    return signed_in(scheme, token, settings)


FAILURES_ALLOWED = 10
"""Failed sign-ins from one network address in the throttle window before sign-in pauses there."""


def _client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _note_failure(db: AsyncSession, scheme: Scheme, keys: Keys, request: Request[Any, Any, Any], reason: str) -> None:
    log.warning("sign_in.refused", reason=reason)
    note_failed_sign_in(db, scheme.id, reason=reason, ip_hash=keys.fingerprint(_client_ip(request)))


async def _throttled(
    db: AsyncSession, scheme: Scheme, keys: Keys, request: Request[Any, Any, Any]
) -> Response[Any] | None:
    """A 429 page when this network address has failed to sign in too often lately; None otherwise."""
    failures = await recent_failures(db, scheme.id, keys.fingerprint(_client_ip(request)))
    if failures < FAILURES_ALLOWED:
        return None
    log.warning("sign_in.throttled")
    return refused(
        scheme,
        title="Too many failed sign-ins",
        message="There have been too many failed sign-ins from your network. Wait 15 minutes, then try again.",
        status_code=429,
    )


async def _refuse_sign_in(
    db: AsyncSession, scheme: Scheme, keys: Keys, request: Request[Any, Any, Any], reason: str
) -> Response[Any]:
    _note_failure(db, scheme, keys, request, reason)
    response = refused(
        scheme,
        title="You could not be signed in",
        message=(
            "Your identity provider did not confirm you as a member of this scheme. Check you used your work "
            "account, or ask your scheme admin to invite you."
        ),
    )
    response.delete_cookie(oidc.FLOW_COOKIE, path=f"/s/{scheme.slug}/sign-in/")
    return response


@get("/sign-in/link/{token:str}", opt=PUBLIC)
async def link_page(token: FromPath[str], scheme: NamedDependency[Scheme]) -> Template:
    """A button, not an automatic sign-in: mail scanners that fetch links must not use them up."""
    return Template("sign_in/link.html.j2", context={"scheme": scheme, "token": token})


@post("/sign-in/link", opt=PUBLIC, status_code=200)
async def use_link(
    data: URLEncodedBody[LinkForm],
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    settings: NamedDependency[Settings],
    keys: NamedDependency[Keys],
) -> Response[Any]:
    if throttled := await _throttled(db, scheme, keys, request):
        return throttled
    user = await links.redeem(db, scheme.id, data.token) if data.token else None
    if user is None:
        return await _refuse_link(db, scheme, keys, request)
    token = await start_session(db, scheme.id, user, settings, method="link", organisation_id=None)
    if token is None:
        return await _refuse_link(db, scheme, keys, request)
    return signed_in(scheme, token, settings)


async def _refuse_link(db: AsyncSession, scheme: Scheme, keys: Keys, request: Request[Any, Any, Any]) -> Response[Any]:
    _note_failure(db, scheme, keys, request, "link_invalid")
    return refused(
        scheme,
        title="This sign-in link cannot be used",
        message="The link has expired or has already been used. Links work once, for 15 minutes. Ask for a new one.",
    )


@post("/sign-out", opt=PUBLIC, status_code=200)
async def sign_out(
    request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    settings: NamedDependency[Settings],
    keys: NamedDependency[Keys],
) -> Response[Any]:
    token = request.cookies.get(SESSION_COOKIE)
    ended = await end_session(db, scheme.id, token) if token else None
    target = f"/s/{scheme.slug}/"
    if ended is not None and ended.provider_id is not None and ended.id_token:
        provider = await db.get(IdentityProvider, (scheme.id, ended.provider_id))
        if provider is not None:
            url = await oidc.logout_url(
                provider,
                keys,
                id_token=ended.id_token,
                post_logout_redirect_uri=scheme_url(settings, scheme),
            )
            target = url or target
    response: Response[Any] = Redirect(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=f"/s/{scheme.slug}/")
    return response


HANDLERS = [sign_in_page, sign_in, oidc_callback, link_page, use_link, sign_out]
