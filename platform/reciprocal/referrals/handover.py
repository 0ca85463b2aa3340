"""Handing a referral over to another nominating officer of the same agency: staff change, the case goes on.

The toolkit's "the nominating officer contact had changed": the coordinator, or the officer holding the referral,
passes it to a colleague. The referral's officer is who holds it (services.visible_to): the one handing it over
no longer sees it, the new officer does, and is told (notifications.handoffs).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.audit.services import record
from reciprocal.db.base import new_id
from reciprocal.identity.models import Membership, Role, User, UserStatus
from reciprocal.identity.services import Actor
from reciprocal.jobs import services as jobs
from reciprocal.kernel import clock
from reciprocal.partners.models import Organisation
from reciprocal.referrals.models import IN_HAND, Referral
from reciprocal.referrals.services import InvalidReferral, load_for_change
from reciprocal.referrals.workflow import State, TransitionRefused, describe

HANDED_OVER = "referral.handed_over"
"""Audit event of a handover: who did it, and the two officers' ids (`from_officer`, `to_officer`); nothing else."""
FIELD = "officer"
"""The form field naming the officer to hand over to."""


@dataclass(frozen=True)
class Colleague:
    """An officer a referral may be handed to: a nominating officer of the referral's agency, not suspended."""

    user_id: uuid.UUID
    name: str


def handover_refused(actor: Actor, referral: Referral) -> str | None:
    """Why `actor` may not hand over `referral`, one they can see; None when they may."""
    if referral.state not in IN_HAND:
        return f"A referral that is {describe(referral.state)} cannot be handed over: it has ended."
    if actor.role == Role.coordinator:
        if referral.state == State.draft:
            return "A draft is its officer's alone: they can hand it over themselves."
        return None
    if actor.role == Role.nominating_officer and referral.officer_id == actor.user_id:
        return None
    return "Only the coordinator or the nominating officer holding this referral can hand it over."


async def colleagues(db: AsyncSession, referral: Referral) -> list[Colleague]:
    """The officers `referral` may go to: nominating officers of its agency, in this scheme, not suspended (an
    invited officer who has not signed in yet counts, as for every notice), other than the one holding it; by
    name. One read of the scheme's memberships (a few hundred at most)."""
    rows = await db.execute(
        select(User.id, User.display_name)
        .join(Membership, (Membership.tenant_id == User.tenant_id) & (Membership.user_id == User.id))
        .where(
            User.tenant_id == referral.tenant_id,
            Membership.organisation_id == referral.agency_id,
            Membership.role == Role.nominating_officer,
            User.status != UserStatus.suspended,
            User.id != referral.officer_id,
        )
        .order_by(User.display_name, User.id)
    )
    return [Colleague(user_id, name) for user_id, name in rows]


async def hand_over(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, to_officer: uuid.UUID | None, *, version: int
) -> Referral:
    """Give the referral to `to_officer`, one of its `colleagues`: audited, and the new officer told.

    Anyone else (another agency's officer, another scheme's, a suspended one, a named lead) is refused on the
    field, and nothing changes.
    """

    def allowed(referral: Referral) -> None:
        refusal = handover_refused(actor, referral)
        if refusal is not None:
            raise TransitionRefused(refusal)

    referral = await load_for_change(db, actor, referral_id, version=version, check_first=allowed)
    if to_officer is None:
        raise InvalidReferral([(FIELD, "Select the nominating officer to hand the referral over to")])
    if to_officer not in {colleague.user_id for colleague in await colleagues(db, referral)}:
        raise InvalidReferral([(FIELD, "Select a nominating officer of the referring agency from the list")])
    from_officer = referral.officer_id
    referral.officer_id = to_officer
    referral.updated_at = clock.now()
    step = record(
        db,
        referral.tenant_id,
        HANDED_OVER,
        actor=actor,
        subject_type="referral",
        subject_id=referral.id,
        details={"from_officer": str(from_officer), "to_officer": str(to_officer)},
    )
    # The new officer is told by the worker once this commits, as of any step (notifications.handoffs).
    step.id = new_id()
    jobs.collect(db, jobs.HANDOFF, referral.tenant_id, step.id)
    await db.flush()
    return referral


def to_officer_field(value: str) -> uuid.UUID | None:
    """The form's officer: None when none was chosen; a value that is no id at all is no officer either."""
    try:
        return uuid.UUID(value.strip()) if value.strip() else None
    except ValueError:
        raise InvalidReferral([(FIELD, "Select a nominating officer of the referring agency from the list")]) from None


async def agency_name(db: AsyncSession, referral: Referral) -> str:
    """The referring agency's name, for the page choosing among its officers."""
    name = await db.scalar(
        select(Organisation.name).where(
            Organisation.tenant_id == referral.tenant_id, Organisation.id == referral.agency_id
        )
    )
    return name or ""


@dataclass(frozen=True)
class HandedOver:
    """A referral this officer handed over, as the page after it says so."""

    reference: str | None
    to_officer: str


async def handed_over_by(db: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> HandedOver | None:
    """The latest handover of `referral_id` by `actor`, or None when they handed no such referral over: the page
    after a handover names its new officer from the audit trail, so a crafted address announces nothing."""
    event = await db.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.tenant_id == actor.tenant_id,
            AuditEvent.subject_type == "referral",
            AuditEvent.subject_id == referral_id,
            AuditEvent.action == HANDED_OVER,
            AuditEvent.actor_user_id == actor.user_id,
        )
        .order_by(AuditEvent.occurred_at.desc())
        .limit(1)
    )
    if event is None:
        return None
    row = (
        await db.execute(
            select(Referral.reference, User.display_name)
            .join(
                User, (User.tenant_id == Referral.tenant_id) & (User.id == uuid.UUID(str(event.details["to_officer"])))
            )
            .where(Referral.tenant_id == actor.tenant_id, Referral.id == referral_id)
        )
    ).first()
    return None if row is None else HandedOver(*row)
