"""Audit events: who did what, for which organisation, in which role, when. Append-only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, String, Uuid, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id
from reciprocal.kernel import clock


class AuditEvent(TenantOwned, Base):
    """One thing that happened in a scheme. The application role may insert and read, never change."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_subject", "tenant_id", "subject_type", "subject_id", "occurred_at"),
        # A referral's timeline leaves its reads out, and its reads are counted apart: a referral read thousands
        # of times must not make either read every event of it (the queries write the action out to match).
        Index(
            "ix_audit_events_subject_steps",
            "tenant_id",
            "subject_type",
            "subject_id",
            "occurred_at",
            postgresql_where=text("action <> 'referral.viewed'"),
        ),
        Index(
            "ix_audit_events_reads",
            "tenant_id",
            "subject_id",
            "occurred_at",
            postgresql_where=text("action = 'referral.viewed'"),
        ),
        # A named lead's history: the approvals and declines their organisation gave, newest first.
        Index(
            "ix_audit_events_decisions",
            "tenant_id",
            "actor_organisation_id",
            "occurred_at",
            "id",
            postgresql_where=text("action in ('referral.approve', 'referral.decline')"),
        ),
        # A named lead's last visit to their home, for each organisation they act for: one entry read (0015).
        Index(
            "ix_audit_events_home_visits",
            "tenant_id",
            "subject_id",
            "actor_organisation_id",
            "occurred_at",
            postgresql_where=text("action = 'named_lead.home_viewed'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.stamp, server_default=func.now()
    )
    action: Mapped[str] = mapped_column(String(80))
    """What happened, as `domain.verb`: `scheme.loaded`, `referral.submitted`."""
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    actor_organisation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    actor_role: Mapped[str | None] = mapped_column(String(40), default=None)
    subject_type: Mapped[str | None] = mapped_column(String(40), default=None)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    """Ids and counts only: never case content or personal data."""
