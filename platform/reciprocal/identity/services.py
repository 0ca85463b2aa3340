"""Sessions: starting one after sign-in, finding who is acting from a cookie, switching role, ending."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reciprocal.audit.services import record
from reciprocal.identity.models import Membership, Role, SignInAttempt, User, UserSession, UserStatus
from reciprocal.identity.secrets import new_token, token_hash
from reciprocal.kernel import clock, dates
from reciprocal.partners.models import Organisation, OrganisationKind, still_in
from reciprocal.settings import Settings

SESSION_COOKIE = "reciprocal_session"
TOUCH_EVERY = timedelta(minutes=1)
"""Idle time is tracked to the minute: no write on every page view."""

ROLE_ORDER = (
    Role.coordinator,
    Role.named_lead,
    Role.nominating_officer,
    Role.risk_assessor,
    Role.scheme_admin,
    Role.funder,
)
"""Which role a person with several acts in first, until they switch."""

ROLE_NAMES = {
    Role.nominating_officer: "Nominating officer",
    Role.named_lead: "Named lead",
    Role.coordinator: "Coordinator",
    Role.risk_assessor: "Risk assessor",
    Role.scheme_admin: "Scheme admin",
    Role.funder: "Funder",
}


@dataclass(frozen=True)
class Acting:
    """One membership a person may act in."""

    organisation_id: uuid.UUID
    organisation_name: str
    role: Role

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


@dataclass(frozen=True)
class Actor:
    """The signed-in person behind a request, and the organisation and role they act in."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID
    session_id: uuid.UUID
    email: str
    display_name: str
    organisation_id: uuid.UUID
    organisation_name: str
    organisation_kind: OrganisationKind
    role: Role
    memberships: tuple[Acting, ...]

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def memberships_of(db: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> list[Acting]:
    rows = await db.execute(
        select(Membership.organisation_id, Organisation.name, Membership.role)
        .join(
            Organisation,
            (Organisation.tenant_id == Membership.tenant_id) & (Organisation.id == Membership.organisation_id),
        )
        # A membership of an organisation that has left the scheme (referrals.leaving) signs no one in.
        .where(Membership.tenant_id == tenant_id, Membership.user_id == user_id, still_in(dates.today()))
    )
    return sorted((Acting(org_id, name, role) for org_id, name, role in rows), key=_acting_order)


def _acting_order(acting: Acting) -> tuple[int, str]:
    return ROLE_ORDER.index(acting.role), acting.organisation_name


async def start_session(
    db: AsyncSession,
    tenant_id: uuid.UUID,
    user: User,
    settings: Settings,
    *,
    method: str,
    organisation_id: uuid.UUID | None,
    provider_id: uuid.UUID | None = None,
    id_token: str | None = None,
) -> str | None:
    """Sign `user` in; returns the new session's cookie token, or None if they hold no membership.

    `organisation_id` limits the roles to those held for one organisation (the one whose identity
    provider vouched for them).
    """
    acting = [a for a in await memberships_of(db, tenant_id, user.id) if organisation_id in (None, a.organisation_id)]
    if not acting:
        return None
    first = acting[0]
    token = new_token()
    now = clock.now()
    db.add(
        UserSession(
            tenant_id=tenant_id,
            token_hash=token_hash(token),
            user_id=user.id,
            organisation_id=first.organisation_id,
            role=first.role,
            method=method,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
            provider_id=provider_id,
            id_token=id_token,
        )
    )
    user.last_signed_in_at = now
    if user.status == UserStatus.invited:
        user.status = UserStatus.active
    record(db, tenant_id, "sign_in.succeeded", subject_type="user", subject_id=user.id, details={"method": method})
    return token


def _memberships_json() -> ColumnElement[Any]:
    """Every membership of the session's person, with its organisation's name, as one JSON array."""
    return (
        select(
            func.coalesce(
                func.json_agg(func.json_build_array(Membership.organisation_id, Organisation.name, Membership.role)),
                text("'[]'::json"),
            )
        )
        .join(
            Organisation,
            (Organisation.tenant_id == Membership.tenant_id) & (Organisation.id == Membership.organisation_id),
        )
        .where(
            Membership.tenant_id == UserSession.tenant_id,
            Membership.user_id == UserSession.user_id,
            still_in(bindparam("today")),
        )
        .scalar_subquery()
    )


_acting_for = aliased(Organisation)
_ACTOR = (
    select(
        UserSession.id,
        UserSession.role,
        UserSession.last_seen_at,
        User.id,
        User.email,
        User.display_name,
        _acting_for.id,
        _acting_for.name,
        _acting_for.kind,
        _memberships_json(),
    )
    .join(User, (User.tenant_id == UserSession.tenant_id) & (User.id == UserSession.user_id))
    .join(
        _acting_for,
        (_acting_for.tenant_id == UserSession.tenant_id) & (_acting_for.id == UserSession.organisation_id),
    )
    .where(
        UserSession.tenant_id == bindparam("tenant_id"),
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.revoked_at.is_(None),
        UserSession.expires_at > bindparam("now"),
        UserSession.last_seen_at > bindparam("idle_since"),
        User.status == UserStatus.active,
        # From the day their organisation leaves the scheme (referrals.leaving), its people cannot act for it.
        still_in(bindparam("today"), _acting_for),
    )
)
"""find_actor's one query, built once: every page asks it first, and building a statement costs more in Python
than PostgreSQL takes to answer it."""


async def find_actor(db: AsyncSession, tenant_id: uuid.UUID, token: str, settings: Settings) -> Actor | None:
    """The person a session cookie belongs to, if the session is live and the person may still act.

    One query: the session, its person, the organisation they act for and all their memberships; plain
    columns, no ORM objects. The idle clock is moved on at most once a minute (TOUCH_EVERY).
    """
    now = clock.now()
    idle_since = now - timedelta(minutes=settings.session_idle_minutes)
    parameters = {
        "tenant_id": tenant_id,
        "token_hash": token_hash(token),
        "now": now,
        "idle_since": idle_since,
        "today": dates.today(),
    }
    row = (await db.execute(_ACTOR, parameters)).one_or_none()
    if row is None:
        return None
    session_id, role, last_seen_at, user_id, email, display_name, org_id, org_name, org_kind, memberships = row
    if now - last_seen_at > TOUCH_EVERY:
        await db.execute(
            update(UserSession)
            .where(UserSession.tenant_id == tenant_id, UserSession.id == session_id)
            .values(last_seen_at=now)
        )
    acting = [Acting(uuid.UUID(o), name, Role(r)) for o, name, r in _json(memberships)]
    return Actor(
        tenant_id=tenant_id,
        user_id=user_id,
        session_id=session_id,
        email=email,
        display_name=display_name,
        organisation_id=org_id,
        organisation_name=org_name,
        organisation_kind=org_kind,
        role=role,
        memberships=tuple(sorted(acting, key=_acting_order)),
    )


def _json(value: Any) -> Any:
    # asyncpg hands json back as text unless a codec is set for it.
    return json.loads(value) if isinstance(value, str) else value


async def switch_acting(db: AsyncSession, actor: Actor, organisation_id: uuid.UUID, role: Role) -> bool:
    """Act in another of one's own memberships; False if it is not one of theirs."""
    if not any(a.organisation_id == organisation_id and a.role == role for a in actor.memberships):
        return False
    await db.execute(
        update(UserSession)
        .where(UserSession.tenant_id == actor.tenant_id, UserSession.id == actor.session_id)
        .values(organisation_id=organisation_id, role=role)
    )
    record(
        db,
        actor.tenant_id,
        "session.role_switched",
        subject_type="user",
        subject_id=actor.user_id,
        details={"role": role.value, "organisation_id": str(organisation_id)},
    )
    return True


async def end_session(db: AsyncSession, tenant_id: uuid.UUID, token: str) -> UserSession | None:
    """Revoke the session behind `token`; returns it (for the provider's logout) if it was live."""
    user_session = await db.scalar(
        select(UserSession).where(
            UserSession.tenant_id == tenant_id,
            UserSession.token_hash == token_hash(token),
            UserSession.revoked_at.is_(None),
        )
    )
    if user_session is None:
        return None
    user_session.revoked_at = clock.now()
    record(db, tenant_id, "sign_out", subject_type="user", subject_id=user_session.user_id)
    return user_session


async def revoke_sessions(db: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """End every session of a person at once (suspended, or left their organisation)."""
    await db.execute(
        update(UserSession)
        .where(UserSession.tenant_id == tenant_id, UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


FAILURE_WINDOW = timedelta(minutes=15)


def note_failed_sign_in(db: AsyncSession, tenant_id: uuid.UUID, *, reason: str, ip_hash: bytes) -> None:
    """Audit a refused sign-in (its reason code only) and count it against its network address."""
    record(db, tenant_id, "sign_in.refused", details={"reason": reason})
    db.add(SignInAttempt(tenant_id=tenant_id, kind="failed", ip_hash=ip_hash))


async def recent_failures(db: AsyncSession, tenant_id: uuid.UUID, ip_hash: bytes) -> int:
    """Refused sign-ins from one network address in the last FAILURE_WINDOW."""
    return await recent_attempts(db, tenant_id, "failed", ip_hash, FAILURE_WINDOW)


async def recent_attempts(db: AsyncSession, tenant_id: uuid.UUID, kind: str, ip_hash: bytes, window: timedelta) -> int:
    """Attempts of `kind` from one network address (its keyed hash) in the last `window`."""
    count = await db.scalar(
        select(func.count()).where(
            SignInAttempt.tenant_id == tenant_id,
            SignInAttempt.kind == kind,
            SignInAttempt.ip_hash == ip_hash,
            SignInAttempt.at > clock.now() - window,
        )
    )
    return count or 0
