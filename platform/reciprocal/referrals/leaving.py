"""A housing partner leaving the scheme, on a date the coordinator records with a reason.

From that day nothing new is circulated to it (partners.models.taking_circulations) and its people cannot act
for it (identity.services.find_actor refuses their sessions, so a new sign-in lands nowhere either). What it
already has in hand goes on: referrals offered to it or by it stay served by the coordinator. Audited; the
reason is free text checked for identifying details like every other note, and kept on the partner, not in the
audit trail (ids and dates only).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reciprocal.audit.services import record
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel import dates
from reciprocal.kernel.errors import NotFound, Refused
from reciprocal.kernel.text import NOTE_LIMIT, text_problem
from reciprocal.ledger import services as ledger
from reciprocal.ledger.models import LedgerEntry
from reciprocal.partners.models import Organisation, OrganisationKind

LEAVING = "partner.leaving_recorded"


class PartnerNotFound(NotFound):
    """Not a housing partner of this scheme, or the actor is not its coordinator: the same 404."""


def check_leaving(partner: Organisation, left_on: date | None, reason: str) -> list[tuple[str, str]]:
    """What is wrong with a leaving as asked for, one (field, message) pair each."""
    problems: list[tuple[str, str]] = []
    if partner.left_on is not None:
        problems.append(("left_on", f"{partner.name} has already left the scheme"))
    elif left_on is None:
        problems.append(("left_on", "Enter the date the partner leaves the scheme"))
    elif left_on < dates.today():
        problems.append(("left_on", "The leaving date must be today or in the future"))
    if not reason.strip():
        problems.append(("reason", "Enter why the partner is leaving"))
    elif problem := text_problem(
        reason,
        limit=NOTE_LIMIT,
        too_long=f"The reason must be {NOTE_LIMIT} characters or fewer",
        identifying="the reason is seen by the scheme's staff",
    ):
        problems.append(("reason", problem))
    return problems


async def record_leaving(
    db: AsyncSession, actor: Actor, partner_id: uuid.UUID, *, left_on: date | None, reason: str
) -> Organisation:
    """Record that the partner leaves the scheme on `left_on`; refused, with nothing changed, on bad input."""
    partner = await db.scalar(
        select(Organisation)
        .where(Organisation.tenant_id == actor.tenant_id, Organisation.id == partner_id)
        .with_for_update()
    )
    if actor.role != Role.coordinator or partner is None or not OrganisationKind(partner.kind).is_housing_partner:
        raise PartnerNotFound
    problems = check_leaving(partner, left_on, reason)
    if problems or left_on is None:
        raise Refused(problems=problems)
    partner.left_on = left_on
    partner.leaving_reason = reason.strip()
    record(
        db,
        actor.tenant_id,
        LEAVING,
        actor=actor,
        subject_type="organisation",
        subject_id=partner.id,
        details={"left_on": left_on.isoformat()},
    )
    await db.flush()
    return partner


SETTLEMENTS = {"settled": "Settled", "written_off": "Written off"}
"""How a leaving partner's balance is closed: settled (it reciprocated outside the ledger) or written off."""
SETTLED = "partner.balance_closed"


async def close_balance(db: AsyncSession, actor: Actor, partner_id: uuid.UUID, *, how: str, reason: str) -> int:
    """Bring a leaving partner's balance to zero in every bedroom class by reversing entries (ledger.correct,
    each with its move's other entry, so the scheme still sums to zero), never by editing one. How many
    entries of the partner's were reversed; refused, with nothing changed, on bad input."""
    partner = await db.scalar(
        select(Organisation).where(Organisation.tenant_id == actor.tenant_id, Organisation.id == partner_id)
    )
    if actor.role != Role.coordinator or partner is None or not OrganisationKind(partner.kind).is_housing_partner:
        raise PartnerNotFound
    problems: list[tuple[str, str]] = []
    if partner.left_on is None:
        problems.append(("how", f"Record the date {partner.name} leaves the scheme first"))
    elif how not in SETTLEMENTS:
        problems.append(("how", "Select whether the balance is settled or written off"))
    if not reason.strip():
        problems.append(("reason", "Enter why the balance is settled or written off"))
    elif problem := text_problem(
        reason,
        limit=NOTE_LIMIT,
        too_long=f"The reason must be {NOTE_LIMIT} characters or fewer",
        identifying="the reason is seen by the scheme's staff and the partners",
    ):
        problems.append(("reason", problem))
    open_entries = await _open_entries(db, actor.tenant_id, partner_id) if not problems else []
    if not problems and not open_entries:
        problems.append(("how", f"{partner.name}'s balance is already zero: there is nothing to close"))
    if problems:
        raise Refused(problems=problems)
    words = f"{SETTLEMENTS[how]} as {partner.name} left the scheme: {reason.strip()}"
    for entry_id in open_entries:
        await ledger.correct(db, actor, entry_id, reason=words)
    record(
        db,
        actor.tenant_id,
        SETTLED,
        actor=actor,
        subject_type="organisation",
        subject_id=partner.id,
        details={"how": how, "entries": len(open_entries)},
    )
    return len(open_entries)


async def _open_entries(db: AsyncSession, tenant_id: uuid.UUID, partner_id: uuid.UUID) -> list[uuid.UUID]:
    """The fewest of the partner's unreversed entries whose reversal brings each bedroom class's net to zero:
    per class, |net| entries of the net's sign, newest first."""
    reversing = aliased(LedgerEntry)
    rows = (
        await db.execute(
            select(LedgerEntry.id, LedgerEntry.bedrooms, LedgerEntry.amount)
            .where(
                LedgerEntry.tenant_id == tenant_id,
                LedgerEntry.partner_id == partner_id,
                LedgerEntry.reverses_id.is_(None),
                ~select(reversing.id)
                .where(reversing.tenant_id == LedgerEntry.tenant_id, reversing.reverses_id == LedgerEntry.id)
                .exists(),
            )
            .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id)
        )
    ).all()
    net: dict[int | None, int] = {}
    for _, bedrooms, amount in rows:
        net[bedrooms] = net.get(bedrooms, 0) + amount
    chosen: list[uuid.UUID] = []
    for bedrooms, total in net.items():
        sign = 1 if total > 0 else -1
        chosen += [i for i, b, a in rows if b == bedrooms and a == sign][: abs(total)]
    return chosen
