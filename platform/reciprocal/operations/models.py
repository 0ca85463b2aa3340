"""Operators, their sessions, sign-in links and link requests.

NOTE: platform-level tables, not tenant-owned: no `tenant_id` and no row-level security. An operator runs
the service for every scheme and belongs to none, so there is no scheme to key a row by; nothing here is
case data, and what an operator may see of the schemes is counts only (`operations.services`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, LargeBinary, String, Uuid, false, func
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, new_id
from reciprocal.kernel import clock


class Operator(Base):
    """A person who runs the hosted service: added with `reciprocal operator add`, signs in by emailed link."""

    __tablename__ = "operators"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    """Lower-cased: where sign-in links go."""
    display_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.stamp, server_default=func.now()
    )
    last_signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A disabled operator gets no links and their sessions end; the row stays, for the record."""


class OperatorSession(Base):
    """A signed-in operator's browser. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "operator_sessions"
    __table_args__ = (Index("ix_operator_sessions_operator", "operator_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    operator_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("operators.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.stamp, server_default=func.now()
    )
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.stamp)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """Absolute end, however active the session is."""
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class OperatorSignInLink(Base):
    """A one-time sign-in link sent by email. Only the token's hash is stored."""

    __tablename__ = "operator_sign_in_links"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    operator_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("operators.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.stamp, server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class OperatorSignInAttempt(Base):
    """A request for an operator's sign-in link, kept briefly to throttle by address and by network address."""

    __tablename__ = "operator_sign_in_attempts"
    __table_args__ = (
        Index("ix_operator_sign_in_attempts_email", "email_hash", "at"),
        Index("ix_operator_sign_in_attempts_ip", "ip_hash", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    """`link` (a link was asked for): the same kinds as a scheme's sign-in attempts."""
    email_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    ip_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.stamp)
