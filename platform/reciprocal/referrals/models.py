"""A referral: what matching needs about one applicant's household and risks, and nothing identifying."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    Enum,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id
from reciprocal.kernel import clock
from reciprocal.referrals.workflow import State


def _fk(columns: list[str], table: str, ondelete: str = "RESTRICT") -> ForeignKeyConstraint:
    """A composite foreign key: `tenant_id` first, so no row can point into another scheme."""
    return ForeignKeyConstraint(["tenant_id", *columns], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete)


class Referral(TenantOwned, Base):
    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        _fk(["officer_id"], "users"),
        _fk(["agency_id"], "organisations"),
        _fk(["current_landlord_id"], "organisations"),
        _fk(["current_area_id"], "areas"),
        _fk(["risk_assessor_id"], "users"),
        ForeignKeyConstraint(
            ["tenant_id", "criteria_version"],
            ["criteria_versions.tenant_id", "criteria_versions.version"],
        ),
        Index("ix_referrals_state", "tenant_id", "state", "updated_at"),
        Index("ix_referrals_agency", "tenant_id", "agency_id", "state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer)
    """Optimistic lock: a form carries the version it was rendered from; a stale one is refused."""
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own shape
    reference: Mapped[str | None] = mapped_column(String(30), default=None)
    """Given at submission (e.g. PL-2026-0042): all anyone but the nominating officer ever sees."""
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
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now, onupdate=clock.now)


class ReferralArea(TenantOwned, Base):
    """An area a referral names: `safe` (where the applicant could live) or `risk` (where they must not)."""

    __tablename__ = "referral_areas"
    __table_args__ = (
        _fk(["referral_id"], "referrals", ondelete="CASCADE"),
        _fk(["area_id"], "areas"),
        Index("ix_referral_areas_area", "tenant_id", "area_id", "kind"),
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    area_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)


class MonitoringAnswers(TenantOwned, Base):
    """Equality and monitoring answers: for reporting only, kept apart so no partner query can reach them."""

    __tablename__ = "referral_monitoring"
    __table_args__ = (_fk(["referral_id"], "referrals", ondelete="CASCADE"),)

    referral_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class ReferenceCounter(TenantOwned, Base):
    """The last reference number given in a scheme in a year: PL-2026-0042 is the 42nd of 2026."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)
