"""A referral and its aggregate: what matching needs about one household, its offers, viewings, assessments, move."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id, tenant_fk
from reciprocal.kernel import clock
from reciprocal.referrals.workflow import ACTIVE, State

IN_HAND = frozenset({State.draft, *ACTIVE})
"""A referral still in hand: a draft, or on its way (not ended). The partial indexes of 0015 hold only these."""
IN_HAND_SQL = "state in (" + ", ".join(f"'{s.value}'" for s in sorted(IN_HAND)) + ")"


class Referral(TenantOwned, Base):
    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        tenant_fk(["officer_id"], "users"),
        tenant_fk(["agency_id"], "organisations"),
        tenant_fk(["current_landlord_id"], "organisations"),
        tenant_fk(["current_area_id"], "areas"),
        tenant_fk(["risk_assessor_id"], "users"),
        ForeignKeyConstraint(
            ["tenant_id", "criteria_version"],
            ["criteria_versions.tenant_id", "criteria_versions.version"],
        ),
        Index("ix_referrals_state", "tenant_id", "state", "updated_at"),
        Index("ix_referrals_agency", "tenant_id", "agency_id", "state"),
        # Pages whose cost must not grow with the scheme's history (0015): live work is read from indexes that
        # hold only the states in hand, and the officer's list of every referral a page at a time.
        Index(
            "ix_referrals_in_hand",
            "tenant_id",
            "state",
            "updated_at",
            postgresql_where=text(IN_HAND_SQL),
        ),
        Index(
            "ix_referrals_agency_in_hand",
            "tenant_id",
            "agency_id",
            "updated_at",
            "id",
            postgresql_where=text(IN_HAND_SQL),
        ),
        Index("ix_referrals_agency_created", "tenant_id", "agency_id", "created_at", "id"),
        # An officer sees the referrals they hold (services.visible_to): their lists read these (0019).
        Index(
            "ix_referrals_officer_in_hand",
            "tenant_id",
            "officer_id",
            "updated_at",
            "id",
            postgresql_where=text(IN_HAND_SQL),
        ),
        Index("ix_referrals_officer_created", "tenant_id", "officer_id", "created_at", "id"),
        Index("ix_referrals_officer_state_created", "tenant_id", "officer_id", "state", "created_at", "id"),
        Index("ix_referrals_agency_state_created", "tenant_id", "agency_id", "state", "created_at", "id"),
        # The coordinator's list, sorted by submission, or by state then submission, a page at a time.
        Index("ix_referrals_submitted", "tenant_id", "submitted_at", "id"),
        Index("ix_referrals_state_submitted", "tenant_id", "state", "submitted_at", "id"),
        # Reports count each stage by when it happened: each milestone is read by a range on its own index
        # (submission's by ix_referrals_submitted above).
        Index("ix_referrals_approved", "tenant_id", "approved_at"),
        Index("ix_referrals_circulated", "tenant_id", "circulated_at"),
        Index("ix_referrals_offered", "tenant_id", "offered_at"),
        Index("ix_referrals_ended", "tenant_id", "ended_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer)
    """Optimistic lock: a form carries the version it was rendered from; a stale one is refused."""
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own shape
    reference: Mapped[str | None] = mapped_column(String(30), default=None)
    """Given at submission (e.g. PL-2026-0042): all anyone but the nominating officer ever sees."""
    former_reference: Mapped[str | None] = mapped_column(String(30), default=None)
    """Its reference in the scheme it was handed from (cohorts.moving): shown as "formerly", found by search."""
    state: Mapped[State] = mapped_column(Enum(State, name="referral_state", native_enum=False, length=30))
    criteria_version: Mapped[int | None] = mapped_column(Integer, default=None)
    """The criteria version the referral was checked under, fixed at submission."""
    officer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    agency_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    officer_case_reference: Mapped[str] = mapped_column(String(100), default="")
    """The officer's own reference: shown only to their organisation."""
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    tenancy_type: Mapped[str | None] = mapped_column(String(63), default=None)
    duty_to_house: Mapped[bool] = mapped_column(Boolean, default=False)
    current_landlord_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    current_area_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    adults: Mapped[int] = mapped_column(Integer, default=1)
    children_ages: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list)
    bedrooms_needed: Mapped[int | None] = mapped_column(Integer, default=None)
    pets: Mapped[str] = mapped_column(Text, default="")
    access_needs: Mapped[str] = mapped_column(Text, default="")
    floor_level_need: Mapped[bool] = mapped_column(Boolean, default=False)
    medical_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_type: Mapped[str | None] = mapped_column(String(63), default=None)
    risk_assessor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    safeguarding_measures: Mapped[str] = mapped_column(Text, default="")
    resettlement_support: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    """The latest word to the officer: why it was returned, found ineligible or declined."""
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    circulated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    """When its landlord first approved it: with the others below, the stage times reports measure."""
    offered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    """When a property was first offered for it."""
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    """When it first reached an end (moved, moved elsewhere, withdrawn, ineligible, declined)."""
    other_pathways: Mapped[list[str]] = mapped_column(
        ARRAY(String(63)), default=list, server_default=text("'{}'::varchar[]")
    )
    """Other pathways the applicant is registered with (keys the criteria name, e.g. Housing Moves)."""
    held_back: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    """The coordinator keeps this approved referral out of batches until they put it back."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.stamp, onupdate=clock.stamp)


# Search by a reference's beginning: `reference ~>=~ 'PL-2026-00' and reference ~<~ ...` reads this index. (Not
# `upper(reference) like ...`: under row-level security only leakproof operators may use an index, and neither
# upper() nor LIKE is; references are upper case already, their prefix checked so when a scheme is loaded.)
Index(
    "ix_referrals_reference_prefix",
    Referral.tenant_id,
    Referral.reference,
    postgresql_ops={"reference": "text_pattern_ops"},
)
Index(
    "ix_referrals_former_reference_prefix",
    Referral.tenant_id,
    Referral.former_reference,
    postgresql_ops={"former_reference": "text_pattern_ops"},
    postgresql_where=text("former_reference is not null"),
)


class ReferralArea(TenantOwned, Base):
    """An area a referral names: `safe` (where the applicant could live) or `risk` (where they must not)."""

    __tablename__ = "referral_areas"
    __table_args__ = (
        tenant_fk(["referral_id"], "referrals", ondelete="CASCADE"),
        tenant_fk(["area_id"], "areas"),
        Index("ix_referral_areas_area", "tenant_id", "area_id", "kind"),
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    area_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)


class MonitoringAnswers(TenantOwned, Base):
    """Equality and monitoring answers: for reporting only, kept apart so no partner query can reach them."""

    __tablename__ = "referral_monitoring"
    __table_args__ = (tenant_fk(["referral_id"], "referrals", ondelete="CASCADE"),)

    referral_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class ReferenceCounter(TenantOwned, Base):
    """The last reference number given in a scheme in a year: PL-2026-0042 is the 42nd of 2026."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class OfferState(enum.StrEnum):
    open = "open"
    viewing = "viewing"
    accepted = "accepted"
    refused = "refused"
    withdrawn = "withdrawn"
    released = "released"
    """Not chosen: the nominating officer chose another of the offers standing side by side (0017)."""
    moved = "moved"


LIVE_OFFER_STATES = (OfferState.open, OfferState.viewing, OfferState.accepted)
"""An offer in one of these holds its property for the referral."""


class Offer(TenantOwned, Base):
    __tablename__ = "offers"
    __table_args__ = (
        tenant_fk(["referral_id"], "referrals"),
        tenant_fk(["organisation_id"], "organisations"),
        tenant_fk(["offered_by_id"], "users"),
        tenant_fk(["area_id"], "areas"),
        tenant_fk(["decided_by_id"], "users"),
        # Offers may stand side by side where the criteria allow (0017); the referral's row lock serves a cap of
        # one. Whatever races the application loses: one offer pursued at a time, and one live offer a partner.
        Index(
            "uq_offers_one_pursued_per_referral",
            "tenant_id",
            "referral_id",
            unique=True,
            postgresql_where=text("state in ('viewing', 'accepted')"),
        ),
        Index(
            "uq_offers_one_live_per_partner",
            "tenant_id",
            "referral_id",
            "organisation_id",
            unique=True,
            postgresql_where=text("state in ('open', 'viewing', 'accepted')"),
        ),
        # A named lead's history: their organisation's offers, newest first.
        Index("ix_offers_organisation", "tenant_id", "organisation_id", "created_at", "id"),
        Index("ix_offers_created", "tenant_id", "created_at"),
        # A referral's offers, whatever their state: its live offer, or one partner's latest (0015).
        Index("ix_offers_referral", "tenant_id", "referral_id", "created_at"),
        # An offer that has ended keeps no address, whichever path ended it.
        CheckConstraint(
            "address_encrypted is null or state in ('open', 'viewing', 'accepted')", name="address_only_while_live"
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
    """Revealed only to the linked nominating officer once a viewing is arranged; cleared when the offer ends."""
    state: Mapped[OfferState] = mapped_column(
        Enum(OfferState, name="offer_state", native_enum=False, length=20), default=OfferState.open
    )
    refusal_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    linked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    """When the coordinator linked the nominating officer and the named lead (contacts revealed)."""
    chosen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    """When the nominating officer chose this offer, of several side by side, to pursue."""
    decision: Mapped[str | None] = mapped_column(String(20), default=None)
    """The applicant's decision as the nominating officer recorded it ('accept' or 'refuse'), until the
    coordinator confirms it (the referral moves on) or queries it (cleared, with a note)."""
    decision_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    """For a refusal: a key of offers.REFUSAL_REASONS."""
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    decision_query: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    """The coordinator's note sending the recorded decision back to the nominating officer."""


class ViewingOutcome(enum.StrEnum):
    viewed = "viewed"
    did_not_attend = "did_not_attend"
    rearranged = "rearranged"


class Viewing(TenantOwned, Base):
    """One viewing of an offered property: its date, and once known its outcome, each with who and when.

    A rearranged viewing keeps its row; the new date is a new row. The latest row is the viewing that counts.
    """

    __tablename__ = "viewings"
    __table_args__ = (
        tenant_fk(["offer_id"], "offers"),
        tenant_fk(["recorded_by_id"], "users"),
        tenant_fk(["outcome_by_id"], "users"),
        Index("ix_viewings_offer", "tenant_id", "offer_id", "created_at"),
        # Viewings past their date with no outcome yet: what a reminder chases, never the history.
        Index("ix_viewings_awaiting_outcome", "tenant_id", "viewing_on", postgresql_where=text("outcome is null")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    offer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    viewing_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    """Who gave the date (the nominating officer or the coordinator); `created_at` is when."""
    outcome: Mapped[ViewingOutcome | None] = mapped_column(
        Enum(ViewingOutcome, name="viewing_outcome", native_enum=False, length=20), default=None
    )
    outcome_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    outcome_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class RiskAssessment(TenantOwned, Base):
    __tablename__ = "risk_assessments"
    __table_args__ = (
        tenant_fk(["offer_id"], "offers"),
        tenant_fk(["assessor_id"], "users"),
        # An offer's assessments, the latest first (0015).
        Index("ix_risk_assessments_offer", "tenant_id", "offer_id", "recorded_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    offer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    assessor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    risk_identified: Mapped[bool]
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.stamp)


class Move(TenantOwned, Base):
    """A completed move: area, landlords and bedrooms. Never where the applicant now lives."""

    __tablename__ = "moves"
    __table_args__ = (
        tenant_fk(["referral_id"], "referrals"),
        tenant_fk(["offer_id"], "offers"),
        tenant_fk(["receiving_id"], "organisations"),
        tenant_fk(["sending_id"], "organisations"),
        tenant_fk(["area_id"], "areas"),
        UniqueConstraint("tenant_id", "referral_id"),
        Index("ix_moves_moved_on", "tenant_id", "moved_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    referral_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """None once its referral was removed under retention: the move stays, as the ledger's entries point at it."""
    offer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    receiving_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    sending_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    area_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bedrooms: Mapped[int] = mapped_column(Integer)
    moved_on: Mapped[date] = mapped_column(Date)
