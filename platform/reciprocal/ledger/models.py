"""Ledger entries, append-only, and the balances the database keeps beside them.

The application role may insert and read entries, never change them; it may only read balances."""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, Index, Integer, SmallInteger, Text, UniqueConstraint, Uuid, text
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
        Index("ix_ledger_entries_partner_recorded", "tenant_id", "partner_id", "created_at"),
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


ONE_BALANCE = "uq_ledger_balances_tenant_id_partner_id_bedrooms"
"""One balance row per partner and bedroom class; "any size" (NULL) is one class, not many."""


class LedgerBalance(TenantOwned, Base):
    """A partner's running totals in one bedroom class: what `rules.balances` gives over all its entries.

    NOTE: written only by the trigger `ledger_balances_follow_entries` (migration 0014): every insert into
    ledger_entries, by the application, a bulk seeder or the demo's history, adds its amounts here in the same
    statement, so the figures exist exactly when the entries do. The upsert adds to the row
    (`owed = owed + excluded.owed`), which is atomic per row: two moves posting to one partner at once both
    count. The application role may read this table, never write it. Entries are never updated or deleted (the
    application role may not), so following their inserts is enough; a writer must be in a scheme's transaction
    (`app.tenant_id` set), as row-level security binds the trigger's owner too.
    """

    __tablename__ = "ledger_balances"
    __table_args__ = (
        tenant_fk(["partner_id"], "organisations"),
        UniqueConstraint("tenant_id", "partner_id", "bedrooms", name=ONE_BALANCE, postgresql_nulls_not_distinct=True),
        CheckConstraint("owed >= 0 and owing >= 0", name="counts"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=new_id, server_default=text("gen_random_uuid()")
    )
    partner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bedrooms: Mapped[int | None] = mapped_column(Integer, default=None)
    """Bedroom class when the scheme counts like for like; None otherwise (as the entries')."""
    owed: Mapped[int] = mapped_column(Integer, default=0)
    """Properties the pot owes this partner: the count of its +1 entries."""
    owing: Mapped[int] = mapped_column(Integer, default=0)
    """Properties this partner owes the pot: the count of its -1 entries."""
