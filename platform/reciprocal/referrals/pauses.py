"""A housing partner pausing new circulations (staff absence, no stock) until a date: circulation skips it
meanwhile (referrals.circulation.partners_reached), and the pause ends by itself on that date.

Set by the partner's own named lead or by the coordinator, and audited. A paused partner still sees, and acts
on, referrals already offered to it or by it: only new circulations skip it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel import clock, dates
from reciprocal.kernel.errors import NotFound, Refused
from reciprocal.partners.models import Organisation, OrganisationKind

REASONS = {
    "absence": "Staff absence",
    "no_stock": "No properties to offer for now",
    "other": "Another reason",
}
"""Why a partner pauses: chosen, never typed, so nothing identifying can be written into it."""

PAUSED = "partner.paused"
RESUMED = "partner.resumed"


class PartnerNotFound(NotFound):
    """Not a housing partner of this scheme, or not one this person may pause: the same 404."""


@dataclass(frozen=True)
class Pause:
    """A partner's pause as every page shows it."""

    partner_id: uuid.UUID
    partner_name: str
    until: date
    reason: str
    """The words of REASONS."""


def pause_of(organisation: Organisation, day: date) -> Pause | None:
    """The partner's pause on `day`, if it is paused then."""
    if not organisation.paused_on(day) or organisation.paused_until is None:
        return None
    return Pause(
        organisation.id,
        organisation.name,
        organisation.paused_until,
        REASONS.get(organisation.pause_reason or "", REASONS["other"]),
    )


async def _partner(db: AsyncSession, actor: Actor, partner_id: uuid.UUID, *, for_update: bool) -> Organisation:
    """The housing partner (locked, `for_update`) if the actor may pause it: the coordinator any, a named lead
    their own."""
    allowed = actor.role == Role.coordinator or (actor.role == Role.named_lead and actor.organisation_id == partner_id)
    query = select(Organisation).where(Organisation.tenant_id == actor.tenant_id, Organisation.id == partner_id)
    found = await db.scalar(query.with_for_update() if for_update else query)
    if not allowed or found is None or not OrganisationKind(found.kind).is_housing_partner:
        raise PartnerNotFound
    return found


def check_pause(until: date | None, reason: str) -> list[tuple[str, str]]:
    """What is wrong with a pause as asked for, one (field, message) pair each."""
    problems: list[tuple[str, str]] = []
    if until is None:
        problems.append(("until", "Enter the date new circulations should reach you again"))
    elif until <= dates.today():
        problems.append(("until", "The date new circulations reach you again must be in the future"))
    if reason not in REASONS:
        problems.append(("reason", "Select why new circulations are paused"))
    return problems


async def pause(db: AsyncSession, actor: Actor, partner_id: uuid.UUID, *, until: date | None, reason: str) -> Pause:
    """Pause new circulations to the partner until `until` (a pause already set is replaced)."""
    partner = await _partner(db, actor, partner_id, for_update=True)
    problems = check_pause(until, reason)
    if problems or until is None:
        raise Refused(problems=problems)
    partner.paused_from = clock.now()
    partner.paused_until = until
    partner.pause_reason = reason
    details = {"until": until.isoformat(), "reason": reason}
    record(
        db, actor.tenant_id, PAUSED, actor=actor, subject_type="organisation", subject_id=partner.id, details=details
    )
    await db.flush()
    found = pause_of(partner, dates.today())
    assert found is not None
    return found


async def resume(db: AsyncSession, actor: Actor, partner_id: uuid.UUID) -> None:
    """New circulations reach the partner again from now (nothing to do if it was not paused)."""
    partner = await _partner(db, actor, partner_id, for_update=True)
    if partner.paused_until is None:
        return
    partner.paused_from = partner.paused_until = partner.pause_reason = None
    record(db, actor.tenant_id, RESUMED, actor=actor, subject_type="organisation", subject_id=partner.id)
    await db.flush()


async def pauses(db: AsyncSession, tenant_id: uuid.UUID, *, on: date | None = None) -> dict[uuid.UUID, Pause]:
    """The scheme's partners paused on `on` (today unless given), by id: one small query."""
    day = on or dates.today()
    rows = await db.scalars(
        select(Organisation).where(Organisation.tenant_id == tenant_id, Organisation.paused_until > day)
    )
    return {o.id: p for o in rows if (p := pause_of(o, day)) is not None}


async def pause_for(db: AsyncSession, tenant_id: uuid.UUID, partner_id: uuid.UUID) -> Pause | None:
    """One partner's pause today, if paused."""
    found = await db.scalar(
        select(Organisation).where(Organisation.tenant_id == tenant_id, Organisation.id == partner_id)
    )
    return None if found is None else pause_of(found, dates.today())


@dataclass(frozen=True)
class PartnerStatus:
    partner_id: uuid.UUID
    name: str
    pause: Pause | None


async def housing_partners(db: AsyncSession, tenant_id: uuid.UUID) -> list[PartnerStatus]:
    """The scheme's housing partners by name, each with its pause today, if paused."""
    today = dates.today()
    rows = await db.scalars(
        select(Organisation)
        .where(
            Organisation.tenant_id == tenant_id,
            Organisation.kind.in_([OrganisationKind.council, OrganisationKind.housing_association]),
        )
        .order_by(Organisation.name)
    )
    return [PartnerStatus(o.id, o.name, pause_of(o, today)) for o in rows]


async def partner_status(db: AsyncSession, actor: Actor, partner_id: uuid.UUID) -> PartnerStatus:
    """One housing partner the actor may pause, with its pause: PartnerNotFound otherwise."""
    partner = await _partner(db, actor, partner_id, for_update=False)
    return PartnerStatus(partner.id, partner.name, pause_of(partner, dates.today()))
