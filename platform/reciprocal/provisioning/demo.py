"""Demo only (`reciprocal demo`): people to sign in as, and a local OpenID Connect provider for one council."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import msgspec
from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db.engine import Database
from reciprocal.identity.models import IdentityProvider, Membership, Role, User
from reciprocal.identity.secrets import Keys
from reciprocal.identity.services import normalise_email
from reciprocal.partners.models import Organisation
from reciprocal.provisioning.demo_referrals import load_demo_referrals
from reciprocal.provisioning.folders import Code, Name, Problem, SchemeConfig, TenantConfigError
from reciprocal.tenancy.services import find_scheme

DEMO_FILE = "demo.toml"
"""Beside a scheme's configuration; read by `reciprocal demo` only, never by `reciprocal tenant load`."""
DEMO_CLIENT_ID = "reciprocal-demo"
DEMO_CLIENT_SECRET = "reciprocal-demo-secret"  # noqa: S105 - the local provider takes any client and secret
Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
Domain = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9.-]+\.[a-z]+$", max_length=253)]


class DemoMembership(msgspec.Struct, forbid_unknown_fields=True):
    organisation: Code
    """The organisation's code in organisations.toml."""
    role: Role


class DemoPerson(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    name: Name
    roles: list[DemoMembership]


class DemoProvider(msgspec.Struct, forbid_unknown_fields=True):
    organisation: Code
    """Its staff sign in through the local provider that `reciprocal demo` starts."""
    email_domains: list[Domain]


class DemoFile(msgspec.Struct, forbid_unknown_fields=True):
    identity_provider: DemoProvider | None = None
    person: list[DemoPerson] = msgspec.field(default_factory=list)


@dataclass(frozen=True)
class DemoScheme:
    slug: str
    demo: DemoFile

    def signs_in_with_provider(self, person: DemoPerson) -> bool:
        provider = self.demo.identity_provider
        return provider is not None and person.email.rpartition("@")[2] in provider.email_domains


def read_demo_file(folder: Path, config: SchemeConfig) -> DemoScheme | None:
    """The folder's demo people, checked against its configuration; None if it has none."""
    path = folder / DEMO_FILE
    if not path.exists():
        return None
    try:
        demo = msgspec.toml.decode(path.read_bytes(), type=DemoFile)
    except msgspec.DecodeError as error:
        raise TenantConfigError([Problem(str(path), "", str(error))]) from None
    codes = {organisation.code for organisation in config.organisations}
    problems: list[Problem] = []
    if demo.identity_provider and demo.identity_provider.organisation not in codes:
        problems.append(Problem(str(path), "identity_provider.organisation", "not in organisations.toml"))
    seen: set[str] = set()
    for i, person in enumerate(demo.person):
        person.email = normalise_email(person.email)
        if person.email in seen:
            problems.append(Problem(str(path), f"person[{i}].email", f"{person.email!r} is listed twice"))
        seen.add(person.email)
        if not person.roles:
            problems.append(Problem(str(path), f"person[{i}].roles", "a person needs at least one role"))
        for j, membership in enumerate(person.roles):
            if membership.organisation not in codes:
                problems.append(Problem(str(path), f"person[{i}].roles[{j}].organisation", "not in organisations.toml"))
    if problems:
        raise TenantConfigError(problems)
    return DemoScheme(config.scheme.slug, demo)


def provider_issuer(port: int) -> str:
    return f"http://127.0.0.1:{port}"


async def load_demo(db: Database, scheme: DemoScheme, keys: Keys, *, issuer: str) -> None:
    """Create or update the scheme's demo people (by email) and its demo identity provider: safe to repeat.

    Then, the first time only, the scheme's demo referrals (demo_referrals.py).
    """
    async with db.session() as session:
        found = await find_scheme(session, scheme.slug)
    if found is None:
        raise ValueError(f"no scheme {scheme.slug!r}: load its folder first")
    tenant_id = found.id
    async with db.tenant_session(tenant_id) as session, session.begin():
        codes = select(Organisation.code, Organisation.id).where(Organisation.tenant_id == tenant_id)
        organisations = dict((await session.execute(codes)).all())
        for person in scheme.demo.person:
            await _upsert_person(session, tenant_id, person, organisations)
        if scheme.demo.identity_provider is not None:
            await _upsert_provider(
                session, tenant_id, organisations[scheme.demo.identity_provider.organisation], scheme, keys, issuer
            )
    # Referrals in every state, made once: a scheme that already has referrals is left as it is.
    await load_demo_referrals(db, tenant_id, scheme.slug, keys)


async def _upsert_person(
    session: AsyncSession, tenant_id: uuid.UUID, person: DemoPerson, organisations: dict[str, uuid.UUID]
) -> None:
    """The person holds exactly the roles listed: any other membership they were given is removed."""
    user = await session.scalar(select(User).where(User.tenant_id == tenant_id, User.email == person.email))
    if user is None:
        user = User(tenant_id=tenant_id, email=person.email, display_name=person.name)
        session.add(user)
        await session.flush()
    user.display_name = person.name
    wanted = {(organisations[m.organisation], m.role) for m in person.roles}
    theirs = (Membership.tenant_id == tenant_id, Membership.user_id == user.id)
    held = set((await session.execute(select(Membership.organisation_id, Membership.role).where(*theirs))).all())
    if gone := held - wanted:
        await session.execute(
            delete(Membership).where(*theirs, tuple_(Membership.organisation_id, Membership.role).in_(gone))
        )
    for organisation_id, role in wanted - held:
        session.add(Membership(tenant_id=tenant_id, user_id=user.id, organisation_id=organisation_id, role=role))


async def _upsert_provider(
    session: AsyncSession, tenant_id: uuid.UUID, organisation_id: uuid.UUID, scheme: DemoScheme, keys: Keys, issuer: str
) -> None:
    assert scheme.demo.identity_provider is not None
    provider = await session.scalar(
        select(IdentityProvider).where(
            IdentityProvider.tenant_id == tenant_id, IdentityProvider.organisation_id == organisation_id
        )
    )
    if provider is None:
        provider = IdentityProvider(tenant_id=tenant_id, organisation_id=organisation_id)
        session.add(provider)
    provider.issuer = issuer
    provider.client_id = DEMO_CLIENT_ID
    # Encrypted afresh on every start: the demo's secret key may have been replaced since the last.
    provider.client_secret_encrypted = keys.encrypt(DEMO_CLIENT_SECRET)
    provider.email_domains = list(scheme.demo.identity_provider.email_domains)


@contextmanager
def local_provider(port: int, schemes: list[DemoScheme]) -> Iterator[str]:
    """oidc-provider-mock on loopback (port 0: any free one) for as long as the block runs; yields its issuer.

    Its sign-in page lists the people who sign in through it, each with a verified work email.
    """
    from oidc_provider_mock import User as ProviderUser  # type: ignore[import-untyped]
    from oidc_provider_mock import run_server_in_thread

    people = [
        ProviderUser(sub=person.email, claims={"email": person.email, "email_verified": True, "name": person.name})
        for scheme in schemes
        for person in scheme.demo.person
        if scheme.signs_in_with_provider(person)
    ]
    with run_server_in_thread(port=port, user_claims=people) as server:
        yield provider_issuer(server.server_port)


def describe(schemes: list[DemoScheme], *, app_url: str, issuer: str) -> str:
    """What the terminal shows on start: who to sign in as, and how each of them gets in."""
    lines = ["", "Demo sign-in: open a scheme, choose Sign in, and type one of these emails.", ""]
    for scheme in schemes:
        lines.append(f"  {app_url}/s/{scheme.slug}/")
        for person in scheme.demo.person:
            roles = ", ".join(f"{m.role.value.replace('_', ' ')} ({m.organisation})" for m in person.roles)
            how = f"through the local provider at {issuer}" if scheme.signs_in_with_provider(person) else "by link"
            lines.append(f"    {person.email:<44} {roles}; signs in {how}")
        lines.append("")
    lines.append("Sign-in links are emailed: here, the email is printed in this terminal.")
    return "\n".join(lines)
