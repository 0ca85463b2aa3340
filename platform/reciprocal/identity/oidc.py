"""Signing in through an organisation's own OpenID Connect provider (authlib as the relying party)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.models import IdentityProvider, User
from reciprocal.identity.secrets import Keys

FLOW_COOKIE = "reciprocal_oidc_state"
"""Binds an authorisation request to the browser that started it (no login CSRF)."""


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


async def provider_for_email(db: AsyncSession, tenant_id: uuid.UUID, email: str) -> IdentityProvider | None:
    """The provider of this scheme whose email domains include the address's domain (home-realm discovery)."""
    raise NotImplementedError


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
    raise NotImplementedError


async def complete(
    db: AsyncSession,
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
    """
    raise NotImplementedError


async def logout_url(
    provider: IdentityProvider, keys: Keys, *, id_token: str, post_logout_redirect_uri: str
) -> str | None:
    """The provider's end-session URL for RP-initiated logout, or None if it has none."""
    raise NotImplementedError
