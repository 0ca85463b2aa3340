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

from reciprocal.audit.services import record
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel import dates
from reciprocal.kernel.errors import NotFound, Refused
from reciprocal.kernel.text import NOTE_LIMIT, text_problem
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
