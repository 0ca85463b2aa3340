"""Deleting a draft referral: only its own officer's, only while a draft, and every row of it gone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from reciprocal.audit.models import AuditEvent
from reciprocal.audit.services import record
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.referrals.models import MonitoringAnswers, Referral, ReferralArea
from reciprocal.referrals.services import StaleReferral, load_for_change
from reciprocal.referrals.workflow import State, TransitionRefused, describe

DELETED = "referral.deleted"
"""Audit event of a draft deleted by its officer: the referral's id, and who; nothing of what it said."""
STARTED = "referral.started"
"""Audit event of a draft started (services.start_referral): when, for the deleted draft's name."""


def deletion_refused(actor: Actor, referral: Referral) -> str | None:
    """Why `actor` may not delete `referral`, one they can see; None when they may.

    Only the officer holding it (who started it, or to whom it was handed over) sees it at all (visible_to); the
    check on the officer stays, since a deletion cannot be undone.
    """
    if referral.state != State.draft:
        return f"A referral that is {describe(referral.state)} cannot be deleted: only a draft can."
    if actor.role != Role.nominating_officer or referral.officer_id != actor.user_id:
        return "Only the nominating officer holding this draft can delete it."
    return None


async def delete_draft(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, version: int) -> Referral:
    """Delete the draft with its areas and monitoring answers, as it was when the form was shown.

    The row is locked first (load_for_change): a submission racing the deletion waits, then finds nothing
    (a 404); a deletion waiting on a submission finds it submitted and is refused.
    """

    def deletable(referral: Referral) -> None:
        refusal = deletion_refused(actor, referral)
        if refusal is not None:
            raise TransitionRefused(refusal)

    referral = await load_for_change(db, actor, referral_id, version=version, check_first=deletable)
    # NOTE: deleted here rather than left to the foreign keys' ON DELETE CASCADE, so that what goes is
    # plain in the code and each statement is scoped to the tenant like every other.
    for owned in (ReferralArea, MonitoringAnswers):
        await db.execute(delete(owned).where(owned.tenant_id == referral.tenant_id, owned.referral_id == referral.id))
    await db.delete(referral)
    try:
        await db.flush()
    except StaleDataError:
        raise StaleReferral from None
    record(db, referral.tenant_id, DELETED, actor=actor, subject_type="referral", subject_id=referral_id)
    return referral


@dataclass(frozen=True)
class DeletedDraft:
    """A draft this officer deleted, as the home announces it."""

    started: datetime | None
    """When it was started, from the audit trail (None for a draft whose start was never recorded)."""


async def deleted_draft(db: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> DeletedDraft | None:
    """The draft `actor` deleted, or None when they deleted no referral with this id.

    The home's banner names a deleted draft from this, never from the address: a crafted `?deleted=`
    announces nothing, and no words from the draft travel in a URL.
    """
    started = aliased(AuditEvent)
    found = await db.execute(
        select(started.occurred_at)
        .select_from(AuditEvent)
        .outerjoin(
            started,
            (started.tenant_id == AuditEvent.tenant_id)
            & (started.subject_type == AuditEvent.subject_type)
            & (started.subject_id == AuditEvent.subject_id)
            & (started.action == STARTED),
        )
        .where(
            AuditEvent.tenant_id == actor.tenant_id,
            AuditEvent.action == DELETED,
            AuditEvent.subject_type == "referral",
            AuditEvent.subject_id == referral_id,
            AuditEvent.actor_user_id == actor.user_id,
        )
        .limit(1)
    )
    row = found.first()
    return None if row is None else DeletedDraft(started=row[0])
