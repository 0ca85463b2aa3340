"""An enquiry: someone asked whether the scheme could help a client. Nothing about the client is kept."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, Enum, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id, tenant_fk
from reciprocal.kernel import clock


class Channel(enum.StrEnum):
    checker = "checker"
    """The public "Could this scheme help my client?" checker: anonymous, nothing asked about who."""
    phone = "phone"
    email = "email"


class Enquiry(TenantOwned, Base):
    """One enquiry: how it came, the risk type and kind of agency if known, and what it came to."""

    __tablename__ = "enquiries"
    __table_args__ = (
        tenant_fk(["logged_by_id"], "users"),
        Index("ix_enquiries_received", "tenant_id", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.stamp)
    channel: Mapped[Channel] = mapped_column(Enum(Channel, name="enquiry_channel", native_enum=False, length=20))
    risk_type: Mapped[str | None] = mapped_column(String(63), default=None)
    """A key of the criteria's risk types, or None when not said."""
    agency_kind: Mapped[str | None] = mapped_column(String(63), default=None)
    """What kind of agency asked (a key of enquiries.services.AGENCY_KINDS), or None when not said."""
    outcome: Mapped[str] = mapped_column(String(63))
    """What it came to (a key of enquiries.services.OUTCOMES; the checker's answer for a checker enquiry)."""
    logged_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    """The coordinator who logged a phone or email enquiry; None for the checker."""
