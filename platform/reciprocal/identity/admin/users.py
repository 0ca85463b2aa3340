"""The scheme admin's work on people: users, their memberships, inviting, suspending and reinstating."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import msgspec
import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.admin.common import Invalid, audit
from reciprocal.identity.models import IdentityProvider, Membership, Role, User, UserStatus
from reciprocal.identity.services import (
    ROLE_NAMES,
    ROLE_ORDER,
    Acting,
    Actor,
    memberships_of,
    normalise_email,
    revoke_sessions,
)
from reciprocal.kernel.dates import govuk_datetime
from reciprocal.kernel.errors import NotFound
from reciprocal.kernel.text import is_email_address
from reciprocal.partners.models import Organisation, OrganisationKind

log = structlog.get_logger(__name__)


_KIND_PHRASES = {
    OrganisationKind.council: "a council",
    OrganisationKind.housing_association: "a housing association",
    OrganisationKind.agency: "a referring agency",
    OrganisationKind.coordinator: "the scheme's coordinating body",
    OrganisationKind.funder: "a funder or steering group",
}

ROLE_KINDS: dict[Role, frozenset[OrganisationKind]] = {
    Role.nominating_officer: frozenset({OrganisationKind.agency}),
    Role.named_lead: frozenset({OrganisationKind.council, OrganisationKind.housing_association}),
    Role.coordinator: frozenset({OrganisationKind.coordinator}),
    # Risk assessors (police, probation, a council's community safety team) may sit anywhere.
    Role.risk_assessor: frozenset(OrganisationKind),
    Role.scheme_admin: frozenset(OrganisationKind),
    # Funders read the reports: at a funder or steering group, or the coordinating body (its steering group).
    Role.funder: frozenset({OrganisationKind.funder, OrganisationKind.coordinator}),
}
"""Which kinds of organisation each role may be held at: the rules the invite page states."""

ROLE_WHERE = {
    Role.nominating_officer: "at a referring agency",
    Role.named_lead: "at a council or housing association",
    Role.coordinator: "at the scheme's coordinating body",
    Role.risk_assessor: "at any organisation in the scheme",
    Role.scheme_admin: "at any organisation in the scheme",
    Role.funder: "at a funder or steering group, or the scheme's coordinating body",
}
"""The same rules in words."""


# Forms. Absent fields arrive as their defaults: browsers send nothing for an empty field or no ticked box.


class InviteForm(msgspec.Struct):
    email: str = ""
    name: str = ""
    organisation: str = ""
    roles: str | list[str] = msgspec.field(default_factory=list)
    """One value per ticked box: a single tick arrives as a string, several as a list."""

    @property
    def role_values(self) -> list[str]:
        return [self.roles] if isinstance(self.roles, str) else list(self.roles)


class MembershipForm(msgspec.Struct):
    organisation: str = ""
    role: str = ""


# What the pages show.


@dataclass(frozen=True)
class UserRow:
    id: uuid.UUID
    email: str
    display_name: str
    status: UserStatus
    last_signed_in_at: datetime | None
    memberships: tuple[Acting, ...]

    @property
    def last_signed_in(self) -> str:
        return govuk_datetime(self.last_signed_in_at) if self.last_signed_in_at else "Never"


@dataclass(frozen=True)
class Invited:
    user_id: uuid.UUID
    created: bool
    """True for a new user; False when roles were added to an existing one."""


# Access helpers: an id of another scheme, or of nothing, is the same 404.


class UserNotFound(NotFound):
    """No such user in the admin's scheme: another scheme's, or nobody's."""


class MembershipNotFound(NotFound):
    """The user holds no such role at that organisation (or the form named neither properly)."""


async def get_user(db: AsyncSession, actor: Actor, user_id: uuid.UUID, *, for_update: bool) -> User:
    query = select(User).where(User.tenant_id == actor.tenant_id, User.id == user_id)
    user = await db.scalar(query.with_for_update() if for_update else query)
    if user is None:
        raise UserNotFound
    return user


# Users and their memberships.


async def list_users(db: AsyncSession, actor: Actor) -> list[UserRow]:
    """Every user of the admin's scheme with their memberships, by name: two queries, whatever the count."""
    users = list(
        await db.scalars(
            select(User).where(User.tenant_id == actor.tenant_id).order_by(func.lower(User.display_name), User.email)
        )
    )
    held: dict[uuid.UUID, list[Acting]] = {user.id: [] for user in users}
    rows = await db.execute(
        select(Membership.user_id, Membership.organisation_id, Organisation.name, Membership.role)
        .join(
            Organisation,
            (Organisation.tenant_id == Membership.tenant_id) & (Organisation.id == Membership.organisation_id),
        )
        .where(Membership.tenant_id == actor.tenant_id)
    )
    for user_id, organisation_id, organisation_name, role in rows:
        held.setdefault(user_id, []).append(Acting(organisation_id, organisation_name, role))
    return [_user_row(user, held[user.id]) for user in users]


def _user_row(user: User, memberships: list[Acting]) -> UserRow:
    return UserRow(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        status=user.status,
        last_signed_in_at=user.last_signed_in_at,
        memberships=tuple(sorted(memberships, key=lambda a: (a.organisation_name, ROLE_ORDER.index(a.role)))),
    )


async def user_detail(db: AsyncSession, actor: Actor, user_id: uuid.UUID) -> UserRow:
    user = await get_user(db, actor, user_id, for_update=False)
    return _user_row(user, await memberships_of(db, actor.tenant_id, user.id))


async def invite(db: AsyncSession, actor: Actor, form: InviteForm) -> Invited:
    """Give a person roles at one organisation: a new user, or more memberships for an existing one.

    Raises Invalid, having changed nothing, for a bad address, no name, an organisation not of this
    scheme, no role, a role the organisation's kind cannot hold, an address another organisation's
    identity provider vouches for, or roles the person already holds there.
    """
    errors: dict[str, str] = {}
    email = normalise_email(form.email)
    name = " ".join(form.name.split())
    if not email:
        errors["email"] = "Enter their work email address"
    elif not is_email_address(email):
        errors["email"] = "Enter an email address in the correct format, like name@example.org"
    if not name:
        errors["name"] = "Enter their full name"
    elif len(name) > 200:
        errors["name"] = "Full name must be 200 characters or fewer"
    organisation = await _organisation_from_form(db, actor, form.organisation)
    if organisation is None:
        errors["organisation"] = "Select their organisation"
    elif "email" not in errors:
        vouching = await _provider_for_domain(db, actor, email.rpartition("@")[2])
        if vouching is not None and vouching[0] != organisation.id:
            errors["organisation"] = (
                f"Addresses at {email.rpartition('@')[2]} sign in through {vouching[1]}'s identity provider: "
                f"select {vouching[1]}, or use an address at {organisation.name}"
            )
    roles = _roles_from_form(form.role_values)
    if not roles:
        errors["roles"] = "Select at least one role"
    elif organisation is not None and (misfits := [r for r in roles if organisation.kind not in ROLE_KINDS[r]]):
        errors["roles"] = (
            f"{organisation.name} is {_KIND_PHRASES[organisation.kind]}, so they cannot be "
            f"{_or_list([_a(ROLE_NAMES[r].lower()) for r in misfits])} there"
        )
    if errors:
        raise Invalid(errors)
    assert organisation is not None

    # NOTE: insert-or-nothing, so two admins inviting one address at once make one user, not an error.
    created_id = await db.scalar(
        insert(User)
        .values(tenant_id=actor.tenant_id, id=uuid.uuid4(), email=email, display_name=name, status=UserStatus.invited)
        .on_conflict_do_nothing(index_elements=["tenant_id", "email"])
        .returning(User.id)
    )
    user_id = created_id or await db.scalar(
        select(User.id).where(User.tenant_id == actor.tenant_id, User.email == email).with_for_update()
    )
    assert user_id is not None
    added = list(
        await db.scalars(
            insert(Membership)
            .values(
                [
                    {"tenant_id": actor.tenant_id, "user_id": user_id, "organisation_id": organisation.id, "role": r}
                    for r in roles
                ]
            )
            .on_conflict_do_nothing()
            .returning(Membership.role)
        )
    )
    if not added:
        # Nothing new, and no user made (an existing one): the transaction changed nothing.
        raise Invalid({"roles": f"They already hold {_and_list([ROLE_NAMES[r].lower() for r in roles])} there"})
    if created_id is not None:
        audit(db, actor, "user.invited", subject_type="user", subject_id=user_id)
    for role in sorted(added, key=ROLE_ORDER.index):
        audit(
            db,
            actor,
            "membership.added",
            subject_type="user",
            subject_id=user_id,
            details={"organisation_id": str(organisation.id), "role": role.value},
        )
    log.info("user.invited" if created_id else "membership.added", user=str(user_id), roles=len(added))
    return Invited(user_id=user_id, created=created_id is not None)


async def _organisation_from_form(db: AsyncSession, actor: Actor, value: str) -> Organisation | None:
    try:
        organisation_id = uuid.UUID(value)
    except ValueError:
        return None
    return await db.scalar(
        select(Organisation).where(Organisation.tenant_id == actor.tenant_id, Organisation.id == organisation_id)
    )


def _roles_from_form(values: list[str]) -> list[Role]:
    """The ticked roles in the scheme's order; none at all if any value is not a role (a tampered form)."""
    try:
        chosen = {Role(v) for v in values}
    except ValueError:
        return []
    return [r for r in ROLE_ORDER if r in chosen]


async def _provider_for_domain(db: AsyncSession, actor: Actor, domain: str) -> tuple[uuid.UUID, str] | None:
    """The organisation (id, name) whose identity provider vouches for `domain`, if any."""
    row = (
        await db.execute(
            select(Organisation.id, Organisation.name)
            .join(
                IdentityProvider,
                (IdentityProvider.tenant_id == Organisation.tenant_id)
                & (IdentityProvider.organisation_id == Organisation.id),
            )
            .where(IdentityProvider.tenant_id == actor.tenant_id, IdentityProvider.email_domains.any_() == domain)
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row else None


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


async def remove_membership(db: AsyncSession, actor: Actor, user_id: uuid.UUID, form: MembershipForm) -> None:
    """End one role at once: sessions acting in it go with it (the foreign key cascades).

    A membership the user does not hold is a 404. An admin cannot remove their own scheme admin role
    (Invalid): another admin must, so a scheme is never left with nobody to run it by accident.
    """
    user = await get_user(db, actor, user_id, for_update=True)
    try:
        organisation_id, role = uuid.UUID(form.organisation), Role(form.role)
    except ValueError:
        raise MembershipNotFound from None
    if user.id == actor.user_id and role is Role.scheme_admin:
        raise Invalid({"membership": "You cannot remove your own scheme admin role: ask another scheme admin"})
    removed = await db.scalar(
        delete(Membership)
        .where(
            Membership.tenant_id == actor.tenant_id,
            Membership.user_id == user.id,
            Membership.organisation_id == organisation_id,
            Membership.role == role,
        )
        .returning(Membership.role)
    )
    if removed is None:
        raise MembershipNotFound
    remaining = await db.scalar(
        select(func.count()).where(Membership.tenant_id == actor.tenant_id, Membership.user_id == user.id)
    )
    if not remaining:
        await revoke_sessions(db, actor.tenant_id, user.id)
    audit(
        db,
        actor,
        "membership.removed",
        subject_type="user",
        subject_id=user.id,
        details={"organisation_id": str(organisation_id), "role": role.value},
    )
    log.info("membership.removed", user=str(user.id), role=role.value)


async def suspend(db: AsyncSession, actor: Actor, user_id: uuid.UUID) -> None:
    """Stop a person using the scheme, and end every session of theirs at once."""
    user = await get_user(db, actor, user_id, for_update=True)
    if user.id == actor.user_id:
        raise Invalid({"status": "You cannot suspend yourself: ask another scheme admin"})
    if user.status is UserStatus.suspended:
        return
    user.status = UserStatus.suspended
    await revoke_sessions(db, actor.tenant_id, user.id)
    audit(db, actor, "user.suspended", subject_type="user", subject_id=user.id)
    log.info("user.suspended", user=str(user.id))


async def reinstate(db: AsyncSession, actor: Actor, user_id: uuid.UUID) -> None:
    """Let a suspended person sign in again: active if they ever signed in, otherwise invited."""
    user = await get_user(db, actor, user_id, for_update=True)
    if user.status is not UserStatus.suspended:
        return
    user.status = UserStatus.active if user.last_signed_in_at else UserStatus.invited
    audit(db, actor, "user.reinstated", subject_type="user", subject_id=user.id)
    log.info("user.reinstated", user=str(user.id))
