"""An offer of a property to a circulating referral, and what follows it: viewing, assessment, move."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Enum, Index, Integer, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id
from reciprocal.kernel import clock
from reciprocal.referrals.models import _fk


class OfferState(enum.StrEnum):
    open = "open"
    viewing = "viewing"
    accepted = "accepted"
    refused = "refused"
    withdrawn = "withdrawn"
    moved = "moved"


LIVE_OFFER_STATES = ("open", "viewing", "accepted")


class Offer(TenantOwned, Base):
    __tablename__ = "offers"
    __table_args__ = (
        _fk(["referral_id"], "referrals"),
        _fk(["organisation_id"], "organisations"),
        _fk(["offered_by_id"], "users"),
        _fk(["area_id"], "areas"),
        # At most one live offer per referral, whatever races the application loses.
        Index(
            "uq_offers_one_live_per_referral",
            "tenant_id",
            "referral_id",
            unique=True,
            postgresql_where=text("state in ('open', 'viewing', 'accepted')"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    referral_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    """The landlord offering the property."""
    offered_by_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    area_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bedrooms: Mapped[int] = mapped_column(Integer)
    floor: Mapped[int | None] = mapped_column(Integer, default=None)
    """0 for the ground floor; None for a house."""
    accessibility: Mapped[str] = mapped_column(Text, default="")
    available_from: Mapped[date] = mapped_column(Date)
    address_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    """Revealed only to the linked nominating officer once a viewing is arranged; cleared at the move."""
    state: Mapped[OfferState] = mapped_column(
        Enum(OfferState, name="offer_state", native_enum=False, length=20), default=OfferState.open
    )
    refusal_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    linked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    """When the coordinator linked the nominating officer and the named lead (contacts revealed)."""


class RiskAssessment(TenantOwned, Base):
    __tablename__ = "risk_assessments"
    __table_args__ = (_fk(["offer_id"], "offers"), _fk(["assessor_id"], "users"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    offer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    assessor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    risk_identified: Mapped[bool]
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class Move(TenantOwned, Base):
    """A completed move: area, landlords and bedrooms. Never where the applicant now lives."""

    __tablename__ = "moves"
    __table_args__ = (
        _fk(["referral_id"], "referrals"),
        _fk(["offer_id"], "offers"),
        _fk(["receiving_id"], "organisations"),
        _fk(["sending_id"], "organisations"),
        _fk(["area_id"], "areas"),
        UniqueConstraint("tenant_id", "referral_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    referral_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    offer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    receiving_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    sending_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    area_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bedrooms: Mapped[int] = mapped_column(Integer)
    moved_on: Mapped[date] = mapped_column(Date)
