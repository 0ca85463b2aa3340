"""What's new for a person, and the emails that tell them: ids and references only, never case content."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Enum, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id, tenant_fk
from reciprocal.identity.models import Role


class MessageState(enum.StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"
    """Every attempt failed: the scheme admin sees it."""


class Notice(TenantOwned, Base):
    """One thing a person was told of, in their "What's new": a referral's step that is theirs to act on or know."""

    __tablename__ = "notices"
    __table_args__ = (
        tenant_fk(["user_id"], "users", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "event_id", "user_id"),
        Index("ix_notices_user", "tenant_id", "user_id", "role", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(40))
    """A key of notifications.messages.KINDS."""
    role: Mapped[Role] = mapped_column(Enum(Role, name="role", native_enum=False, length=40))
    """The role it is for: shown on that role's home, its link in that role's portal."""
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    """The audit event of the step: a job run twice tells nobody twice."""
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """When the step was taken (not when the worker told of it): What's new lists by this."""
    referral_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    reference: Mapped[str | None] = mapped_column(String(40), default=None)
    path: Mapped[str] = mapped_column(String(200))
    """Where, in the person's portal, the referral is: `/named-lead/approvals/<id>` (under /s/<scheme>)."""
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class OutboxMessage(TenantOwned, Base):
    """One email to one person, from its kind and ids: rendered and sent by the worker, never twice."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        tenant_fk(["user_id"], "users", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "key"),
        Index("ix_outbox_messages_due", "tenant_id", "state", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(200))
    """What makes it one message (`<event id>:<user id>`, `batch:<id>:<user id>`): made once however often asked."""
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    """Who it is for: a user of the scheme, never a free address (theirs is read when it is sent)."""
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    """References, paths and counts: what the kind's text needs, nothing typed by anyone."""
    state: Mapped[MessageState] = mapped_column(
        Enum(MessageState, name="message_state", native_enum=False, length=20), default=MessageState.queued
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_error: Mapped[str | None] = mapped_column(String(80), default=None)
    """The failure's type only: an SMTP reply may quote the address."""
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class EmailChoice(TenantOwned, Base):
    """A person's choice for one kind of email that only informs: in a daily summary instead of at once.

    No row: at once. Kinds that ask the person to act are always sent at once (messages.Kind.asks).
    """

    __tablename__ = "email_choices"
    __table_args__ = (tenant_fk(["user_id"], "users", ondelete="CASCADE"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    daily: Mapped[bool] = mapped_column(Boolean, default=True)


class MessageTemplate(TenantOwned, Base):
    """One version of a scheme's wording of one kind of email (notifications.templates): the newest is used."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    """Who saved it (None: loaded from the scheme's folder)."""
