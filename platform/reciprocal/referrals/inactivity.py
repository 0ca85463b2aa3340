"""Inactivity: the officer's one-click "still needs to move", and withdrawal of a referral with no update.

The reminders' ladder (reminders.services) counts inactivity from a referral's last change; these are the two
changes it knows of besides every other step: the officer's confirmation, and the system's withdrawal.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from reciprocal.audit.services import record
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel import clock
from reciprocal.referrals.models import Referral
from reciprocal.referrals.services import StaleReferral, apply_step, end_live_offer, load_for_change
from reciprocal.referrals.workflow import ACTIVE, SYSTEM, Action, TransitionRefused, transition

STILL_NEEDED = "referral.still_needed"
"""Audit event of the nominating officer confirming that the applicant still needs to move: an update."""


async def confirm_still_needed(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, version: int) -> Referral:
    """The officer says, in one click, that the applicant still needs to move: the referral has an update
    (reminders count inactivity from its last change), and the timeline shows it."""
    referral = await load_for_change(db, actor, referral_id, version=version)
    if actor.role != Role.nominating_officer or referral.state not in ACTIVE:
        raise TransitionRefused("Only the nominating officer can confirm that an active referral is still needed.")
    referral.updated_at = clock.now()
    record(db, referral.tenant_id, STILL_NEEDED, actor=actor, subject_type="referral", subject_id=referral.id)
    try:
        await db.flush()
    except StaleDataError:
        raise StaleReferral from None
    return referral


async def withdraw_inactive(db: AsyncSession, tenant_id: uuid.UUID, referral_id: uuid.UUID, *, version: int) -> bool:
    """Withdraw a referral that has had no update, as the system (the reminders' ladder, after its notice).

    False, changing nothing, if the referral has changed since `version` was read: an update, however late,
    keeps it in the scheme.
    """
    referral = await db.scalar(
        select(Referral)
        .where(Referral.tenant_id == tenant_id, Referral.id == referral_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if referral is None or referral.version != version or referral.state not in ACTIVE:
        return False
    step = transition(referral.state, Action.withdraw_inactive, SYSTEM)
    await end_live_offer(db, referral, step.target)
    apply_step(db, None, referral, step.target, step.event)
    await db.flush()
    return True
