"""A request to hand a cohort to a successor scheme: what moves, the partners matched, both admins' agreement."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Enum, ForeignKey, Index, String, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, new_id
from reciprocal.kernel import clock

HANDED_ON = "referral.handed_on"
"""In the giving scheme's timeline: details name the receiving scheme and the new reference."""
RECEIVED = "referral.received"
"""In the receiving scheme's timeline: details name the giving scheme and the former reference; its officer and
its landlord's named leads are told (notifications.handoffs)."""


class HandoverState(enum.StrEnum):
    requested = "requested"
    """Created by an operator: waiting for both schemes' admins to agree."""
    done = "done"
    """Carried out: `report` says what moved, what stayed and the balances at the hand-over."""
    cancelled = "cancelled"


class CohortHandover(Base):
    """Not tenant-owned: it names two schemes. Holds ids, partner names and references only, never case content.

    Each scheme's admin sees the requests naming their scheme (cohorts.services.requests_for). `matches` maps a
    giving scheme's organisation id to the receiving scheme's (both as strings); changing it clears both
    agreements, so each admin agrees to the same matching the hand-over then uses.
    """

    __tablename__ = "cohort_handovers"
    __table_args__ = (
        CheckConstraint("from_scheme_id <> to_scheme_id", name="two_schemes"),
        Index("ix_cohort_handovers_from", "from_scheme_id", "created_at"),
        Index("ix_cohort_handovers_to", "to_scheme_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    from_scheme_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("schemes.id", ondelete="RESTRICT"))
    to_scheme_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("schemes.id", ondelete="RESTRICT"))
    risk_type: Mapped[str] = mapped_column(String(63))
    """The cohort: every live referral of this risk type (a key of the giving scheme's criteria)."""
    state: Mapped[HandoverState] = mapped_column(
        Enum(HandoverState, name="cohort_handover_state", native_enum=False, length=20),
        default=HandoverState.requested,
    )
    requested_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    """The operator who created the request."""
    from_organisations: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    """The giving scheme's organisations ({id, name}) when the request was made: what the admins match."""
    to_organisations: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    matches: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    from_agreed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    from_agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    to_agreed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    to_agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    done_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    """What moved ({from_reference, to_reference}), what stayed ({reference, reason}) and each side's balances."""
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.stamp, server_default=func.now()
    )
