"""The scheme admin's work on sign-in: each organisation's identity provider, or emailed links without one."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import msgspec
import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.admin.common import Invalid, OrganisationRow, audit
from reciprocal.identity.models import IdentityProvider, UserSession
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import NotFound
from reciprocal.partners.models import Organisation

log = structlog.get_logger(__name__)

DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
"""Hosts an issuer may use plain http on: the demo's and the tests' own provider, never a real one."""


# Forms. Absent fields arrive as their defaults: browsers send nothing for an empty field or no ticked box.


class ProviderForm(msgspec.Struct):
    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    email_domains: str = ""


# What the pages show.


@dataclass(frozen=True)
class ProviderSettings:
    """An organisation's identity provider as the form shows it: everything but the secret."""

    organisation: OrganisationRow
    provider_id: uuid.UUID | None
    """The provider's id (its callback address names it), or None when there is none."""
    issuer: str
    client_id: str
    email_domains: str


# Access helpers: an id of another scheme, or of nothing, is the same 404.


class OrganisationNotFound(NotFound):
    """No such organisation in the admin's scheme: another scheme's, or nobody's."""


async def get_organisation(db: AsyncSession, actor: Actor, organisation_id: uuid.UUID) -> Organisation:
    organisation = await db.scalar(
        select(Organisation).where(Organisation.tenant_id == actor.tenant_id, Organisation.id == organisation_id)
    )
    if organisation is None:
        raise OrganisationNotFound
    return organisation


async def _provider_of(db: AsyncSession, actor: Actor, organisation_id: uuid.UUID) -> IdentityProvider | None:
    return await db.scalar(
        select(IdentityProvider)
        .where(IdentityProvider.tenant_id == actor.tenant_id, IdentityProvider.organisation_id == organisation_id)
        .with_for_update()
    )


# Organisations' identity providers.


async def provider_settings(db: AsyncSession, actor: Actor, organisation_id: uuid.UUID) -> ProviderSettings:
    organisation = await get_organisation(db, actor, organisation_id)
    provider = await db.scalar(
        select(IdentityProvider).where(
            IdentityProvider.tenant_id == actor.tenant_id, IdentityProvider.organisation_id == organisation.id
        )
    )
    return ProviderSettings(
        organisation=_organisation_row(organisation, provider),
        provider_id=provider.id if provider else None,
        issuer=provider.issuer if provider else "",
        client_id=provider.client_id if provider else "",
        email_domains="\n".join(provider.email_domains) if provider else "",
    )


def _organisation_row(organisation: Organisation, provider: IdentityProvider | None) -> OrganisationRow:
    return OrganisationRow(organisation.id, organisation.name, organisation.kind, provider.issuer if provider else None)


async def configure_provider(
    db: AsyncSession, actor: Actor, organisation_id: uuid.UUID, form: ProviderForm, keys: Keys
) -> None:
    """Create or change an organisation's identity provider. The secret is stored encrypted; a blank
    secret keeps the stored one. Raises Invalid, having changed nothing, for any field that is wrong.
    """
    organisation = await get_organisation(db, actor, organisation_id)
    # NOTE: one admin at a time per scheme, so two providers cannot both claim a domain in a race.
    await db.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"identity_providers:{actor.tenant_id}"))))
    provider = await _provider_of(db, actor, organisation.id)
    errors: dict[str, str] = {}
    issuer = form.issuer.strip()
    if issuer_error := _issuer_error(issuer):
        errors["issuer"] = issuer_error
    client_id = form.client_id.strip()
    if not client_id:
        errors["client_id"] = "Enter the client ID"
    elif len(client_id) > 500:
        errors["client_id"] = "Client ID must be 500 characters or fewer"
    secret = form.client_secret.strip()
    # The two messages below are words for the page, not secrets (S105).
    if not secret and provider is None:
        errors["client_secret"] = "Enter the client secret"  # noqa: S105
    elif len(secret) > 1000:
        errors["client_secret"] = "Client secret must be 1000 characters or fewer"  # noqa: S105
    domains, domains_error = _parse_domains(form.email_domains)
    if not domains_error:
        domains_error = await _domains_taken(db, actor, organisation.id, domains)
    if domains_error:
        errors["email_domains"] = domains_error
    if errors:
        raise Invalid(errors)

    if provider is None:
        provider = IdentityProvider(
            tenant_id=actor.tenant_id,
            organisation_id=organisation.id,
            issuer=issuer,
            client_id=client_id,
            client_secret_encrypted=keys.encrypt(secret),
            email_domains=domains,
        )
        db.add(provider)
        await db.flush()
        action = "identity_provider.created"
    else:
        provider.issuer = issuer
        provider.client_id = client_id
        provider.email_domains = domains
        if secret:
            provider.client_secret_encrypted = keys.encrypt(secret)
        action = "identity_provider.changed"
    audit(
        db,
        actor,
        action,
        subject_type="organisation",
        subject_id=organisation.id,
        details={"provider_id": str(provider.id), "domains": len(domains), "secret_changed": bool(secret)},
    )
    log.info(action, organisation=str(organisation.id), provider=str(provider.id))


def _issuer_error(issuer: str) -> str:
    if not issuer:
        return "Enter the issuer URL"
    if len(issuer) > 500:
        return "Issuer URL must be 500 characters or fewer"
    parts = urlsplit(issuer)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)
    if any(c.isspace() for c in issuer) or not parts.hostname or not secure:
        return "Enter an issuer URL that starts with https://, like https://login.example.org"
    if parts.query or parts.fragment or parts.username or parts.password:
        return "Enter the issuer URL without a query, fragment or user name, like https://login.example.org"
    return ""


def _parse_domains(text: str) -> tuple[list[str], str]:
    """Domains from one per line or comma-separated text, lower-cased, duplicates dropped; or an error."""
    domains: list[str] = []
    for raw in re.split(r"[\s,;]+", text.lower()):
        domain = raw.removeprefix("@").rstrip(".")
        if not domain:
            continue
        if not DOMAIN.match(domain):
            shown = raw if len(raw) <= 60 else f"{raw[:57]}..."
            return [], f"“{shown}” is not an email domain: enter domains like camden.gov.uk"
        if domain not in domains:
            domains.append(domain)
    if not domains:
        return [], "Enter at least one email domain"
    return domains, ""


async def _domains_taken(db: AsyncSession, actor: Actor, organisation_id: uuid.UUID, domains: list[str]) -> str:
    """An error naming a domain another organisation's provider already has, or ''."""
    rows = await db.execute(
        select(Organisation.name, IdentityProvider.email_domains)
        .join(
            Organisation,
            (Organisation.tenant_id == IdentityProvider.tenant_id)
            & (Organisation.id == IdentityProvider.organisation_id),
        )
        .where(IdentityProvider.tenant_id == actor.tenant_id, IdentityProvider.organisation_id != organisation_id)
    )
    for name, theirs in rows:
        if taken := [d for d in domains if d in theirs]:
            return f"{taken[0]} already signs in through {name}'s identity provider: a domain can have only one"
    return ""


async def remove_provider(db: AsyncSession, actor: Actor, organisation_id: uuid.UUID) -> None:
    """Back to emailed links for the organisation; anyone signed in through the provider is signed out."""
    organisation = await get_organisation(db, actor, organisation_id)
    provider = await _provider_of(db, actor, organisation.id)
    if provider is None:
        return
    await db.execute(
        update(UserSession)
        .where(
            UserSession.tenant_id == actor.tenant_id,
            UserSession.provider_id == provider.id,
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=func.now())
    )
    await db.delete(provider)
    audit(
        db,
        actor,
        "identity_provider.removed",
        subject_type="organisation",
        subject_id=organisation.id,
        details={"provider_id": str(provider.id)},
    )
    log.info("identity_provider.removed", organisation=str(organisation.id), provider=str(provider.id))
