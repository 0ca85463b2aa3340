"""Ledger entries: append-only. The application role may insert and read them, never change them."""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, Index, Integer, SmallInteger, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.db.base import Base, TenantOwned, new_id, tenant_fk

ONE_REVERSAL = "uq_ledger_entries_one_reversal"
"""An entry is reversed at most once: the database refuses a second reversal, whatever races the
application loses."""


class LedgerEntry(TenantOwned, Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount in (-1, 1)", name="one_property"),
        tenant_fk(["partner_id"], "organisations"),
        tenant_fk(["move_id"], "moves"),
        tenant_fk(["reverses_id"], "ledger_entries"),
        Index("ix_ledger_entries_partner", "tenant_id", "partner_id", "bedrooms"),
        Index(ONE_REVERSAL, "tenant_id", "reverses_id", unique=True, postgresql_where=text("reverses_id is not null")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    partner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bedrooms: Mapped[int | None] = mapped_column(Integer, default=None)
    """Bedroom class when the scheme counts like for like; None otherwise."""
    amount: Mapped[int] = mapped_column(SmallInteger)
    """+1 owed a property by the pot; -1 owes one to it."""
    move_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    """The entry this one corrects, for a reversing entry."""
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
