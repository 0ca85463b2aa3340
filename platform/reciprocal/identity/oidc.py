"""Signing in through an organisation's own OpenID Connect provider (authlib as the relying party)."""

from __future__ import annotations

import hmac
import re
import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx2
import structlog
from authlib.integrations.base_client import BaseApp, OAuthError  # type: ignore[import-untyped]
from authlib.integrations.base_client.async_app import AsyncOAuth2Mixin  # type: ignore[import-untyped]
from authlib.integrations.base_client.async_openid import AsyncOpenIDMixin  # type: ignore[import-untyped]
from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError
from sqlalchemy import any_, delete, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db.engine import Database
from reciprocal.identity.models import IdentityProvider, Membership, OidcFlow, User, UserStatus
from reciprocal.identity.secrets import Keys, token_hash
from reciprocal.identity.services import normalise_email

log = structlog.get_logger(__name__)

FLOW_COOKIE = "reciprocal_oidc_state"
"""Binds an authorisation request to the browser that started it (no login CSRF)."""

FLOW_LIFETIME = timedelta(minutes=10)
SCOPE = "openid email profile"
HTTP_TIMEOUT_S = 5.0
"""Calls to a provider happen inside the request's transaction: keep them well under its idle timeout."""
METADATA_TTL_S = 3600.0
"""How long a provider's discovery document (and the keys fetched with it) is reused before it is read again."""

_CLAIM_REASONS = {"iss": "wrong_issuer", "aud": "wrong_audience", "nonce": "wrong_nonce", "azp": "wrong_audience"}


class SignInRefused(Exception):
    """A sign-in that must not succeed. `reason` is a short code for the audit trail, never personal data."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SignedIn:
    user: User
    provider: IdentityProvider
    id_token: str


class _RelyingParty(AsyncOAuth2Mixin, AsyncOpenIDMixin, BaseApp):  # type: ignore[misc]
    """authlib's OAuth 2 and OpenID Connect client, assembled as its Starlette integration does."""

    client_cls = AsyncOAuth2Client


_metadata: dict[str, dict[str, Any]] = {}
"""Discovery documents by issuer, with the provider's key set once fetched (authlib keeps it under `jwks`)."""


def forget_metadata() -> None:
    """Read every provider's discovery document afresh next time (after a provider is reconfigured; tests)."""
    _metadata.clear()


def discovery_url(issuer: str) -> str:
    # OpenID Connect Discovery 1.0 §4: a terminating slash on the issuer is removed before appending.
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


async def _relying_party(provider: IdentityProvider, keys: Keys) -> _RelyingParty:
    """A client for one provider, its discovery document loaded (from the cache when fresh)."""
    cached = _metadata.get(provider.issuer)
    if cached is not None and time.time() - float(cached.get("_loaded_at", 0)) > METADATA_TTL_S:
        cached = None
    client = _RelyingParty(
        framework=None,
        name=str(provider.id),
        client_id=provider.client_id,
        client_secret=keys.decrypt(provider.client_secret_encrypted),
        server_metadata_url=discovery_url(provider.issuer),
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "timeout": HTTP_TIMEOUT_S,
        },
        **(cached or {}),
    )
    try:
        metadata: dict[str, Any] = await client.load_server_metadata()
    except (httpx2.HTTPError, ValueError) as error:
        log.warning("oidc.provider_unavailable", provider=str(provider.id), error=type(error).__name__)
        raise SignInRefused("provider_unavailable") from None
    if metadata.get("issuer") != provider.issuer:
        # Discovery §4.3: the document must name exactly the issuer it was fetched for.
        log.warning("oidc.issuer_mismatch", provider=str(provider.id))
        raise SignInRefused("issuer_mismatch")
    # The client's own dict: key sets it fetches later land in the cache too.
    _metadata[provider.issuer] = client.server_metadata
    return client


_HOST = re.compile(r"[a-z0-9.-]+")


def origin_of(url: str) -> str | None:
    """`https://host[:port]` of a URL, as a Content-Security-Policy source names it; None for anything else."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not _HOST.fullmatch(host):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def form_action_origins(issuers: Iterable[str]) -> tuple[str, ...]:
    """Where a form on a scheme's pages may lead the browser: its providers' (`issuers`) sign-in and sign-out
    pages.

    NOTE: the issuer's origin, plus the authorisation and end-session endpoints' origins once this process has
    read the discovery document. Providers serve both from the issuer's origin; one that does not has its
    first sign-in after a restart blocked by the browser until the page is loaded again.
    """
    urls: list[object] = []
    for issuer in issuers:
        metadata = _metadata.get(issuer, {})
        urls += [issuer, metadata.get("authorization_endpoint"), metadata.get("end_session_endpoint")]
    return tuple(sorted({origin for url in urls if isinstance(url, str) and (origin := origin_of(url))}))


async def provider_for_email(db: AsyncSession, tenant_id: uuid.UUID, email: str) -> IdentityProvider | None:
    """The provider of this scheme whose email domains include the address's domain (home-realm discovery)."""
    _, at, domain = normalise_email(email).rpartition("@")
    if not at or not domain:
        return None
    return (
        await db.scalars(
            select(IdentityProvider)
            .where(IdentityProvider.tenant_id == tenant_id, literal(domain) == any_(IdentityProvider.email_domains))
            .order_by(IdentityProvider.created_at, IdentityProvider.id)
            .limit(1)
        )
    ).first()


async def begin(
    db: AsyncSession,
    tenant_id: uuid.UUID,
    provider: IdentityProvider,
    keys: Keys,
    *,
    redirect_uri: str,
    login_hint: str,
) -> tuple[str, str]:
    """Start the authorisation code flow (PKCE, state, nonce); returns (authorisation URL, state).

    The state, nonce and code verifier are stored (state as a hash) for `complete` to use once.
    """
    client = await _relying_party(provider, keys)
    request = await client.create_authorization_url(
        redirect_uri, nonce=secrets.token_urlsafe(32), login_hint=login_hint
    )
    now = datetime.now(UTC)
    # Flows past their end can never be completed: clear this scheme's as new ones start.
    await db.execute(delete(OidcFlow).where(OidcFlow.tenant_id == tenant_id, OidcFlow.expires_at < now))
    db.add(
        OidcFlow(
            tenant_id=tenant_id,
            state_hash=token_hash(request["state"]),
            provider_id=provider.id,
            nonce=request["nonce"],
            code_verifier=request["code_verifier"],
            expires_at=now + FLOW_LIFETIME,
        )
    )
    log.info("oidc.flow_started", provider=str(provider.id))
    return request["url"], request["state"]


async def complete(
    database: Database,
    tenant_id: uuid.UUID,
    provider_id: uuid.UUID,
    keys: Keys,
    *,
    code: str | None,
    state: str | None,
    browser_state: str | None,
    redirect_uri: str,
) -> SignedIn:
    """Finish the flow: exchange the code, validate the ID token, and find the member it names.

    Raises SignInRefused for anything else: unknown or replayed state, state not from this browser,
    a provider of another scheme, bad signature, wrong issuer or audience, expired token, wrong
    nonce, unverified email, email outside the provider's domains, or no such member.

    NOTE: three steps, each on its own: using up the flow (committed, so a refused sign-in still uses
    it up), talking to the provider with no transaction open (a slow provider must not hold a pooled
    connection idle in a transaction), then finding the member.
    """
    if not state:
        raise SignInRefused("missing_state")
    if not browser_state or not hmac.compare_digest(browser_state.encode(), state.encode()):
        raise SignInRefused("state_mismatch")
    # Used up before anything else happens: the same state never gets a second try, whatever follows.
    now = datetime.now(UTC)
    refusal: SignInRefused | None = None
    async with database.tenant_session(tenant_id) as db, db.begin():
        try:
            flow, provider = await _use_up_flow(db, tenant_id, provider_id, state, now)
        except SignInRefused as refused:
            refusal = refused  # raised after the commit: the flow stays used up
    if refusal is not None:
        raise refusal
    if not code:
        raise SignInRefused("missing_code")

    client = await _relying_party(provider, keys)
    try:
        token = await client.fetch_access_token(redirect_uri=redirect_uri, code=code, code_verifier=flow.code_verifier)
    except (OAuthError, httpx2.HTTPError, ValueError) as error:
        log.warning("oidc.token_exchange_failed", provider=str(provider.id), error=type(error).__name__)
        raise SignInRefused("token_exchange_failed") from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignInRefused("missing_id_token")
    claims = await _validated_claims(client, provider, token, nonce=flow.nonce)
    async with database.tenant_session(tenant_id) as db:
        user = await _member(db, tenant_id, provider, claims)
    log.info("oidc.signed_in", provider=str(provider.id), user=str(user.id))
    return SignedIn(user=user, provider=provider, id_token=id_token)


async def _use_up_flow(
    db: AsyncSession, tenant_id: uuid.UUID, provider_id: uuid.UUID, state: str, now: datetime
) -> tuple[OidcFlow, IdentityProvider]:
    """The unexpired, unused flow for `state`, marked used; refused if there is none or it is another provider's."""
    flow = await db.scalar(
        update(OidcFlow)
        .where(
            OidcFlow.tenant_id == tenant_id,
            OidcFlow.state_hash == token_hash(state),
            OidcFlow.used_at.is_(None),
            OidcFlow.expires_at > now,
        )
        .values(used_at=now)
        .returning(OidcFlow)
    )
    if flow is None:
        raise SignInRefused("unknown_state")
    if flow.provider_id != provider_id:
        raise SignInRefused("provider_mismatch")
    provider = await db.scalar(
        select(IdentityProvider).where(IdentityProvider.tenant_id == tenant_id, IdentityProvider.id == provider_id)
    )
    if provider is None:
        raise SignInRefused("unknown_provider")
    return flow, provider


async def _validated_claims(
    client: _RelyingParty, provider: IdentityProvider, token: dict[str, Any], *, nonce: str
) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, expiry and nonce all hold."""
    # NOTE: authlib checks `aud` only through `azp` unless told: require our client id explicitly.
    options = {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
    }
    try:
        claims: dict[str, Any] = await client.parse_id_token(token, nonce=nonce, claims_options=options)
    except ExpiredTokenError:
        raise SignInRefused("token_expired") from None
    except ClaimError as error:
        log.warning("oidc.invalid_claim", provider=str(provider.id), claim=error.claim)
        raise SignInRefused(_CLAIM_REASONS.get(error.claim, "invalid_token")) from None
    except BadSignatureError:
        raise SignInRefused("bad_signature") from None
    except InvalidKeyIdError:
        # Not among the keys the provider publishes, even after fetching them again.
        raise SignInRefused("unknown_key") from None
    except (JoseError, ValueError, httpx2.HTTPError) as error:
        log.warning("oidc.invalid_token", provider=str(provider.id), error=type(error).__name__)
        raise SignInRefused("invalid_token") from None
    return claims


async def _member(db: AsyncSession, tenant_id: uuid.UUID, provider: IdentityProvider, claims: dict[str, Any]) -> User:
    """The scheme's user the provider vouched for, if they may act for the provider's organisation."""
    if claims.get("email_verified") is not True:
        raise SignInRefused("email_unverified")
    raw = claims.get("email")
    email = normalise_email(raw) if isinstance(raw, str) else ""
    _, at, domain = email.rpartition("@")
    if not at or domain not in {d.strip().lower() for d in provider.email_domains}:
        raise SignInRefused("email_domain")
    user = await db.scalar(select(User).where(User.tenant_id == tenant_id, User.email == email))
    if user is None:
        raise SignInRefused("not_invited")
    if user.status == UserStatus.suspended:
        raise SignInRefused("suspended")
    member = await db.scalar(
        select(Membership.user_id)
        .where(
            Membership.tenant_id == tenant_id,
            Membership.user_id == user.id,
            Membership.organisation_id == provider.organisation_id,
        )
        .limit(1)
    )
    if member is None:
        raise SignInRefused("no_membership")
    return user


async def logout_url(
    provider: IdentityProvider, keys: Keys, *, id_token: str, post_logout_redirect_uri: str
) -> str | None:
    """The provider's end-session URL for RP-initiated logout, or None if it has none."""
    try:
        client = await _relying_party(provider, keys)
    except SignInRefused:
        # Signing out here has already happened; the provider's own session is best effort.
        return None
    if not client.server_metadata.get("end_session_endpoint"):
        return None
    request = await client.create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token, client_id=provider.client_id
    )
    url: str = request["url"]
    return url
