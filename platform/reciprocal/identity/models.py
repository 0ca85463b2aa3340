"""Users of one scheme and their memberships: user x organisation x role."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    DateTime,
    Enum,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id
from reciprocal.kernel import clock


class Role(enum.StrEnum):
    nominating_officer = "nominating_officer"
    named_lead = "named_lead"
    coordinator = "coordinator"
    risk_assessor = "risk_assessor"
    scheme_admin = "scheme_admin"
    funder = "funder"
    """A funder or steering group member: reads the scheme's reports and nothing else."""


class UserStatus(enum.StrEnum):
    invited = "invited"
    active = "active"
    suspended = "suspended"


class User(TenantOwned, Base):
    """A professional working in one scheme. Applicants are never users."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320))
    """Work email, lower-cased: how sign-in finds the person."""
    display_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[UserStatus] = mapped_column(
        Enum(UserStatus, name="user_status", native_enum=False, length=20), default=UserStatus.invited
    )
    last_signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Membership(TenantOwned, Base):
    """One role a user holds for one organisation. A user may hold several."""

    __tablename__ = "memberships"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(
            ["tenant_id", "organisation_id"], ["organisations.tenant_id", "organisations.id"], ondelete="CASCADE"
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    role: Mapped[Role] = mapped_column(Enum(Role, name="role", native_enum=False, length=40), primary_key=True)


class IdentityProvider(TenantOwned, Base):
    """An organisation's own OpenID Connect provider: its staff sign in through it."""

    __tablename__ = "identity_providers"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "organisation_id"], ["organisations.tenant_id", "organisations.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("tenant_id", "organisation_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    issuer: Mapped[str] = mapped_column(String(500))
    """The issuer URL; its /.well-known/openid-configuration describes the rest."""
    client_id: Mapped[str] = mapped_column(String(500))
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    """Encrypted with the service's key (reciprocal.identity.secrets); never shown again."""
    email_domains: Mapped[list[str]] = mapped_column(ARRAY(String(253)))
    """Domains this provider vouches for: a work email in one of them signs in here."""


class UserSession(TenantOwned, Base):
    """A signed-in browser. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        # Acting in a membership that ends (left the organisation, role removed) ends the session with it.
        ForeignKeyConstraint(
            ["tenant_id", "user_id", "organisation_id", "role"],
            ["memberships.tenant_id", "memberships.user_id", "memberships.organisation_id", "memberships.role"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("tenant_id", "token_hash"),
        Index("ix_user_sessions_user", "tenant_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    """The organisation the person is acting for in this session."""
    role: Mapped[Role] = mapped_column(Enum(Role, name="role", native_enum=False, length=40))
    """The role the person is acting in: one of their memberships, switchable."""
    method: Mapped[str] = mapped_column(String(20))
    """How they signed in: `oidc` or `link`."""
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.stamp)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """Absolute end, however active the session is."""
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    id_token: Mapped[str | None] = mapped_column(Text, default=None)
    """Kept only to ask the provider to end its session too (RP-initiated logout)."""
    provider_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class SignInLink(TenantOwned, Base):
    """A one-time sign-in link sent by email. Only the token's hash is stored."""

    __tablename__ = "sign_in_links"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"], ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "token_hash"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class OidcFlow(TenantOwned, Base):
    """An authorisation request in flight: state, nonce and PKCE verifier, each usable once."""

    __tablename__ = "oidc_flows"
    __table_args__ = (UniqueConstraint("tenant_id", "state_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    state_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    nonce: Mapped[str] = mapped_column(String(200))
    code_verifier: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class SignInAttempt(TenantOwned, Base):
    """A sign-in request or failure, kept briefly to throttle by address and by network address."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_email", "tenant_id", "email_hash", "at"),
        Index("ix_sign_in_attempts_ip", "tenant_id", "ip_hash", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    """`link` (a link was asked for), `failed` (a sign-in was refused) or `check` (the public checker counted an
    enquiry: see portals/public)."""
    email_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    ip_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.stamp)
