"""Schemes are the tenants; areas are the boroughs or districts a scheme's partners cover."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Text, UniqueConstraint, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id
from reciprocal.kernel import clock

SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"


class Scheme(Base):
    """One managed housing reciprocal: a tenant of the service. Not tenant-owned itself."""

    __tablename__ = "schemes"
    __table_args__ = (CheckConstraint(f"slug ~ '{SLUG_PATTERN}'", name="slug_format"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    """The scheme's address: /s/<slug>/."""
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    reference_prefix: Mapped[str] = mapped_column(String(8), default="REF")
    """Starts every referral reference in the scheme: PL-2026-0042."""
    area_term: Mapped[str] = mapped_column(String(40), default="area")
    """What the scheme calls its areas in its own words: borough, district."""
    # How long the scheme keeps what has ended (retention.rules): the worker removes the rest each day.
    keep_closed_referrals_days: Mapped[int] = mapped_column(Integer, default=730, server_default="730")
    keep_audit_events_days: Mapped[int] = mapped_column(Integer, default=730, server_default="730")
    keep_sign_in_records_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    keep_outbox_messages_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    keep_sessions_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.stamp, server_default=func.now()
    )
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    """Set while an operator has suspended the scheme: nobody signs in, its data stays, its pages say it is
    paused (onboarding/running.py)."""


class Area(TenantOwned, Base):
    """A borough or district: what referrals name as safe or at risk, and partners cover."""

    __tablename__ = "areas"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint(
            "(grid_row is null) = (grid_column is null) and grid_row >= 0 and grid_column >= 0", name="grid_position"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(63))
    """Stable key from the scheme's configuration, e.g. `camden`."""
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(6), default=None)
    """What its tile on a map says, e.g. `CMD` (the London squares' codes); the name's first letters if unset."""
    grid_row: Mapped[int | None] = mapped_column(Integer, default=None)
    """Its tile's row on the scheme's tile-grid map, from 0 at the top; None (with no column) when it has none."""
    grid_column: Mapped[int | None] = mapped_column(Integer, default=None)
    """Its tile's column, from 0 at the left."""
