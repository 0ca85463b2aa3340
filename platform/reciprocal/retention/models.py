"""A retention run's receipt: one line per kind of record, what rule applied and how many were removed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id


class RetentionReceipt(TenantOwned, Base):
    """What one run removed of one kind (`what`, retention.rules.KINDS): counts and dates only, never content."""

    __tablename__ = "retention_receipts"
    __table_args__ = (Index("ix_retention_receipts_ran", "tenant_id", "ran_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """When the run was: every line of one run carries the same moment."""
    what: Mapped[str] = mapped_column(String(40))
    kept_days: Mapped[int] = mapped_column(Integer)
    """The rule: records of this kind are kept this many days."""
    before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """What ended (or happened) before this moment was due."""
    removed: Mapped[int] = mapped_column(Integer)
