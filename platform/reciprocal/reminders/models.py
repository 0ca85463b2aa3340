"""A reminder sent: one row per rung of a wait's ladder, so each is sent once however often the job runs."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Enum, Index, Integer, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id, tenant_fk
from reciprocal.identity.models import Role
from reciprocal.reminders.rules import Rung, Task


class Reminder(TenantOwned, Base):
    """One rung of one wait sent: to whom by role and organisation (the people are its notices' users)."""

    __tablename__ = "reminders"
    __table_args__ = (
        tenant_fk(["referral_id"], "referrals", ondelete="CASCADE"),
        tenant_fk(["organisation_id"], "organisations"),
        UniqueConstraint("tenant_id", "referral_id", "task", "basis_id", "rung"),
        Index("ix_reminders_referral", "tenant_id", "referral_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    referral_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    task: Mapped[Task] = mapped_column(Enum(Task, name="reminder_task", native_enum=False, length=30))
    basis_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    """What began the wait (the step's audit event, or the offer): a new one starts the ladder again."""
    rung: Mapped[Rung] = mapped_column(Enum(Rung, name="reminder_rung", native_enum=False, length=30))
    role: Mapped[Role | None] = mapped_column(Enum(Role, name="role", native_enum=False, length=40), default=None)
    """Who was reminded, by role (the coordinator: a stalled row on their work queue; None: the withdrawal)."""
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    """And for which organisation, where the role has one that matters (the landlord, the agency)."""
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    waiting_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    working_days: Mapped[int] = mapped_column(Integer)
    """Working days waited when it was sent."""
