"""Batches on the scheme's cadence: released by the service when `circulation_days` have passed since the last,
and the coordinator's hold on a single referral. Releasing itself is services.release_batch, for both.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.audit.services import record
from reciprocal.criteria.services import current_criteria
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel import dates
from reciprocal.kernel.dates import UK_TIME
from reciprocal.referrals.models import Referral
from reciprocal.referrals.services import BATCH_RELEASED, load_for_change, release_batch
from reciprocal.referrals.workflow import State, TransitionRefused

log = structlog.get_logger(__name__)

HELD_BACK = "referral.held_back"
PUT_BACK = "referral.put_back"


async def last_release(db: AsyncSession, tenant_id: uuid.UUID) -> datetime | None:
    """When the scheme's last batch was released, by the coordinator or on the cadence."""
    return await db.scalar(
        select(func.max(AuditEvent.occurred_at)).where(
            AuditEvent.tenant_id == tenant_id, AuditEvent.action == BATCH_RELEASED
        )
    )


def next_release_day(last: datetime | None, days: int, today: date) -> date:
    """The day the cadence next releases: `days` after the last release (today, if none was ever released)."""
    return today if last is None else last.astimezone(UK_TIME).date() + timedelta(days=days)


async def release_if_due(db: AsyncSession, tenant_id: uuid.UUID) -> list[Referral] | None:
    """Release the scheme's batch if its day has come (None: not yet). Safe to run twice, or by two workers."""
    # Two workers on the same day: the second waits here, then sees the first one's release and does nothing.
    await db.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"batch:{tenant_id}"))))
    published = await current_criteria(db, tenant_id)
    if published is None:
        return None
    today = dates.today()
    if today < next_release_day(await last_release(db, tenant_id), published.criteria.circulation_days, today):
        return None
    released = await release_batch(db, tenant_id, None)
    log.info("batch.released", circulated=len(released))
    return released


async def hold_back(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, held: bool, version: int) -> Referral:
    """The coordinator keeps one approved referral out of batches (`held`), or puts it back in the next."""

    def approved(referral: Referral) -> None:
        if actor.role != Role.coordinator:
            raise TransitionRefused("Only the coordinator can hold a referral back from a batch.")
        if referral.state != State.approved:
            raise TransitionRefused("Only an approved referral waiting for its batch can be held back.")

    referral = await load_for_change(db, actor, referral_id, version=version, check_first=approved)
    if referral.held_back != held:
        referral.held_back = held
        event = HELD_BACK if held else PUT_BACK
        record(db, actor.tenant_id, event, actor=actor, subject_type="referral", subject_id=referral.id)
        await db.flush()
    return referral
