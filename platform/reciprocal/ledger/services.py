"""The ledger in the database: posting a move, correcting by reversal, and balances per partner."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import NotFound, Refused
from reciprocal.ledger.models import ONE_REVERSAL, LedgerBalance, LedgerEntry
from reciprocal.ledger.rules import Entry, entries_for_move, reversal
from reciprocal.partners.models import Organisation


def _rows(tenant_id: uuid.UUID, entries: list[Entry], **values: object) -> list[LedgerEntry]:
    return [
        LedgerEntry(tenant_id=tenant_id, partner_id=e.partner_id, bedrooms=e.bedrooms, amount=e.amount, **values)
        for e in entries
    ]


def post_move(
    db: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    move_id: uuid.UUID,
    receiving: uuid.UUID,
    sending: uuid.UUID,
    bedrooms: int,
    like_for_like: bool,
) -> None:
    """Add the move's two entries to the caller's transaction: they exist exactly when the move does."""
    entries = list(
        entries_for_move(receiving=receiving, sending=sending, bedrooms=bedrooms, like_for_like=like_for_like)
    )
    db.add_all(_rows(tenant_id, entries, move_id=move_id, reason="move"))


async def lock_accounts(
    db: AsyncSession, tenant_id: uuid.UUID, partner_ids: Iterable[uuid.UUID], *, to_change: bool
) -> None:
    """Lock partners' accounts until the transaction ends: `to_change` to write to them (a move, a
    correction), otherwise to decide on their balances (a hold at submission).

    NOTE: a partner's account is its organisation row. Ledger entries themselves cannot be locked: the
    application role may only insert and read them, and SELECT ... FOR UPDATE needs UPDATE privilege.
    Rows are locked in id order, so two transactions locking the same partners never deadlock.
    """
    query = (
        select(Organisation.id)
        .where(Organisation.tenant_id == tenant_id, Organisation.id.in_(set(partner_ids)))
        .order_by(Organisation.id)
    )
    # FOR NO KEY UPDATE / FOR SHARE: neither blocks the foreign key checks of rows referring to the partner.
    await db.execute(query.with_for_update(key_share=True) if to_change else query.with_for_update(read=True))


class EntryNotFound(NotFound):
    pass


ALREADY_CORRECTED = "This entry has already been corrected"


class CorrectionRefused(Refused, ValueError):
    """The entry cannot be corrected (again): `message` says why. A ValueError too, as it was before."""


async def correct(db: AsyncSession, actor: Actor, entry_id: uuid.UUID, *, reason: str) -> list[LedgerEntry]:
    """Reverse an entry, with the coordinator's reason; the originals stay as they were.

    An entry of a move is reversed together with the move's other entry: a move recorded in error is
    undone for both landlords at once, so the scheme's balances still sum to zero.
    """
    if not reason.strip():
        raise CorrectionRefused("Give a reason for the correction")
    original = await db.scalar(
        select(LedgerEntry).where(LedgerEntry.tenant_id == actor.tenant_id, LedgerEntry.id == entry_id)
    )
    if original is None:
        raise EntryNotFound
    together = (
        list(
            await db.scalars(
                select(LedgerEntry)
                .where(
                    LedgerEntry.tenant_id == actor.tenant_id,
                    LedgerEntry.move_id == original.move_id,
                    LedgerEntry.reverses_id.is_(None),
                )
                .order_by(LedgerEntry.id)
            )
        )
        if original.move_id is not None and original.reverses_id is None
        else [original]
    )
    # Concurrent corrections of these entries wait here, one after the other; each then reads the
    # reversals committed meanwhile (a new snapshot per statement), so only the first reverses anything.
    await lock_accounts(db, actor.tenant_id, [e.partner_id for e in together], to_change=True)
    reversed_already = set(
        await db.scalars(
            select(LedgerEntry.reverses_id).where(
                LedgerEntry.tenant_id == actor.tenant_id,
                LedgerEntry.reverses_id.in_([e.id for e in together]),
            )
        )
    )
    if reversed_already:
        raise CorrectionRefused(ALREADY_CORRECTED)
    undo = reversal(Entry(e.partner_id, e.bedrooms, e.amount) for e in together)
    rows = [
        LedgerEntry(
            tenant_id=actor.tenant_id,
            partner_id=r.partner_id,
            bedrooms=r.bedrooms,
            amount=r.amount,
            reverses_id=e.id,
            move_id=e.move_id,
            reason=reason.strip(),
            recorded_by=actor.user_id,
        )
        for e, r in zip(together, undo, strict=True)
    ]
    db.add_all(rows)
    try:
        await db.flush()
    except IntegrityError as refused:
        # asyncpg's own error, beneath the driver adapter's, names the constraint.
        if getattr(getattr(refused.orig, "__cause__", None), "constraint_name", None) == ONE_REVERSAL:
            raise CorrectionRefused(ALREADY_CORRECTED) from None
        raise
    record(db, actor.tenant_id, "ledger.corrected", actor=actor, subject_type="ledger_entry", subject_id=original.id)
    return rows


@dataclass(frozen=True)
class Balance:
    partner_id: uuid.UUID
    partner_name: str
    bedrooms: int | None
    owed: int
    """Properties the pot owes this partner (it received tenants)."""
    owing: int
    """Properties this partner owes the pot (its tenants moved out)."""

    @property
    def net(self) -> int:
        return self.owed - self.owing


async def balances(db: AsyncSession, tenant_id: uuid.UUID, partner_id: uuid.UUID | None = None) -> list[Balance]:
    """Per partner and bedroom class: owed, owing and net. One partner's only, when `partner_id` is given.

    Read from ledger_balances, which the database keeps up to date with every entry (models.LedgerBalance):
    one row per partner and bedroom class, whatever the length of the ledger's history. A test checks it
    against rules.balances over all the entries."""
    query = (
        select(
            LedgerBalance.partner_id, Organisation.name, LedgerBalance.bedrooms, LedgerBalance.owed, LedgerBalance.owing
        )
        .join(
            Organisation,
            (Organisation.tenant_id == LedgerBalance.tenant_id) & (Organisation.id == LedgerBalance.partner_id),
        )
        .where(LedgerBalance.tenant_id == tenant_id)
        .order_by(Organisation.name, LedgerBalance.bedrooms)
    )
    if partner_id is not None:
        query = query.where(LedgerBalance.partner_id == partner_id)
    return [Balance(*row) for row in await db.execute(query)]


async def partners_over_cap(db: AsyncSession, tenant_id: uuid.UUID, debt_cap: int) -> set[uuid.UUID]:
    """Partners whose net debt to the pot exceeds the scheme's cap: rules.over_cap, from the kept balances."""
    rows = await db.execute(
        select(LedgerBalance.partner_id)
        .where(LedgerBalance.tenant_id == tenant_id)
        .group_by(LedgerBalance.partner_id)
        .having(func.sum(LedgerBalance.owed - LedgerBalance.owing) < -debt_cap)
    )
    return set(rows.scalars())


async def housing_partner(db: AsyncSession, tenant_id: uuid.UUID, organisation_id: uuid.UUID) -> Organisation | None:
    """The scheme's housing partner with this id: only councils and housing associations keep a ledger."""
    organisation = await db.scalar(
        select(Organisation).where(Organisation.tenant_id == tenant_id, Organisation.id == organisation_id)
    )
    return organisation if organisation is not None and organisation.kind.is_housing_partner else None
