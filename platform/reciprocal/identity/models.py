"""Users of one scheme and their memberships: user x organisation x role."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, Enum, ForeignKeyConstraint, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id


class Role(enum.StrEnum):
    nominating_officer = "nominating_officer"
    named_lead = "named_lead"
    coordinator = "coordinator"
    risk_assessor = "risk_assessor"
    scheme_admin = "scheme_admin"


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
