"""What the ledger's pages read beyond balances: a partner's statement, each entry beside its move."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reciprocal.kernel.tables import Table
from reciprocal.ledger.models import LedgerEntry
from reciprocal.ledger.services import Balance
from reciprocal.partners.models import Organisation
from reciprocal.referrals.models import Move, Referral
from reciprocal.retention.rules import REMOVED_REFERENCE
from reciprocal.statements.services import Month


@dataclass(frozen=True)
class StatementLine:
    """One ledger entry as a partner's statement shows it: never more about the move than its reference."""

    entry_id: uuid.UUID
    partner_id: uuid.UUID
    partner_name: str
    recorded_at: datetime
    bedrooms: int | None
    amount: int
    reason: str
    """'move' for a move's own entry; the coordinator's reason for a correction."""
    reverses_id: uuid.UUID | None
    corrected: bool
    """A later entry reverses this one."""
    moved_on: date | None
    reference: str | None
    receiving: str | None
    sending: str | None


async def statement(
    db: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    partner_id: uuid.UUID | None = None,
    entry_id: uuid.UUID | None = None,
    since: datetime | None = None,
    before: datetime | None = None,
) -> list[StatementLine]:
    """A partner's entries (or one entry), oldest first, each with its move and whether it was corrected;
    those recorded from `since` and `before` a moment only, for a month's statement (a month of entries,
    through ix_ledger_entries_partner_recorded, however long the partner's history)."""
    receiving, sending, partner = aliased(Organisation), aliased(Organisation), aliased(Organisation)
    reversing = aliased(LedgerEntry)
    corrected = (
        select(reversing.id)
        .where(reversing.tenant_id == LedgerEntry.tenant_id, reversing.reverses_id == LedgerEntry.id)
        .correlate(LedgerEntry)
        .exists()
    )
    query = (
        select(
            LedgerEntry.id,
            LedgerEntry.partner_id,
            partner.name,
            LedgerEntry.created_at,
            LedgerEntry.bedrooms,
            LedgerEntry.amount,
            LedgerEntry.reason,
            LedgerEntry.reverses_id,
            corrected,
            Move.moved_on,
            # A move whose referral was removed under retention keeps its place in the ledger, without it.
            case((Move.id.is_not(None) & Move.referral_id.is_(None), REMOVED_REFERENCE), else_=Referral.reference),
            receiving.name,
            sending.name,
        )
        .join(partner, (partner.tenant_id == LedgerEntry.tenant_id) & (partner.id == LedgerEntry.partner_id))
        .outerjoin(Move, (Move.tenant_id == LedgerEntry.tenant_id) & (Move.id == LedgerEntry.move_id))
        .outerjoin(Referral, (Referral.tenant_id == Move.tenant_id) & (Referral.id == Move.referral_id))
        .outerjoin(receiving, (receiving.tenant_id == Move.tenant_id) & (receiving.id == Move.receiving_id))
        .outerjoin(sending, (sending.tenant_id == Move.tenant_id) & (sending.id == Move.sending_id))
        .where(LedgerEntry.tenant_id == tenant_id)
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    )
    if partner_id is not None:
        query = query.where(LedgerEntry.partner_id == partner_id)
    if entry_id is not None:
        query = query.where(LedgerEntry.id == entry_id)
    if since is not None:
        query = query.where(LedgerEntry.created_at >= since)
    if before is not None:
        query = query.where(LedgerEntry.created_at < before)
    return [StatementLine(*tuple(row)) for row in await db.execute(query)]


def entries_table(partner_name: str, month: Month, lines: list[StatementLine]) -> Table:
    """A statement's entries as its download carries them: the page's table, one entry a row."""
    return Table(
        name=f"statement-{month.key}",
        title=f"{partner_name} {month.label}",
        columns=("Recorded", "Reference", "From", "To", "Moved on", "Bedrooms", "Amount", "Correction"),
        rows=[
            (
                line.recorded_at,
                line.reference,
                line.sending,
                line.receiving,
                line.moved_on,
                "Any size" if line.bedrooms is None else line.bedrooms,
                line.amount,
                line.reason if line.reverses_id else ("corrected" if line.corrected else ""),
            )
            for line in lines
        ],
    )


def balances_table(sheet: list[Balance]) -> Table:
    """The balance sheet as its download carries it: one row per partner and bedroom class."""
    return Table(
        name="ledger-balances",
        title="Ledger balances",
        columns=("Partner", "Bedrooms", "Owed", "Owing", "Net"),
        rows=[
            (row.partner_name, "Any size" if row.bedrooms is None else row.bedrooms, row.owed, row.owing, row.net)
            for row in sheet
        ],
    )
