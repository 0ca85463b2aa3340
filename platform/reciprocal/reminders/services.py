"""What each referral waits for, and the daily job that reminds, escalates and withdraws (worker `reminders`).

What a wait is, from what the data holds (each wait's start is its `since`; a new start begins the ladder again):
- approval: awaiting approval since the latest `referral.request_approval` step;
- offer decision: under offer since the latest `referral.make_offer` step, the nominating officer to bring
  the applicant's decision;
- viewing outcome: at viewing since the latest `referral.arrange_viewing` step, the officer to bring it;
- risk assessment: a live offer (under offer or at viewing) with no assessment recorded for it, since the
  offer was made, for a referral that names a risk assessor;
- no update from the officer: a referral returned to them or circulating, since the referral last changed
  (`Referral.updated_at`: any step, any edit, or the officer confirming that the applicant still needs to move).
  A referral waiting on the coordinator (submitted, approved, accepted, on hold) is the coordinator's queue.

Who is reminded: the person who must act. For an approval, that is the landlord's named lead who signed in
most recently (the one most likely at their desk); its other named leads are the cover. Each rung sent is a
Reminder row, made once (its unique key), with a notice and an email through the outbox for each person.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.criteria.services import current_criteria
from reciprocal.identity.models import Membership, Role, User, UserStatus
from reciprocal.kernel import clock
from reciprocal.kernel.dates import UK_TIME
from reciprocal.kernel.working_days import is_working_day, working_days_between
from reciprocal.notifications.delivery import post
from reciprocal.notifications.handoffs import portal_path
from reciprocal.notifications.models import Notice
from reciprocal.referrals import inactivity
from reciprocal.referrals.models import LIVE_OFFER_STATES, Offer, Referral, RiskAssessment
from reciprocal.referrals.workflow import State
from reciprocal.reminders.models import Reminder
from reciprocal.reminders.rules import Rung, Task, due

log = structlog.get_logger(__name__)

STARTED_BY = {
    State.awaiting_approval: (Task.approval, ("referral.request_approval",)),
    # Under offer when the one offer the cap allows is made, or when the officer chooses among offers standing
    # side by side: the latest of either began the wait for the applicant's decision.
    State.offer_made: (Task.offer_decision, ("referral.make_offer", "referral.choose_offer")),
    State.viewing: (Task.viewing_outcome, ("referral.arrange_viewing",)),
}
"""A state that waits on one person, the task it is, and the steps whose latest occurrence began the wait."""
BEGUN_BY = {action: task for task, actions in STARTED_BY.values() for action in actions}
OFFICER_UPDATE = frozenset({State.returned, State.circulating})
"""States in which the referral waits on its nominating officer, or on nobody: inactivity counts."""

KINDS = {
    (Task.approval, Rung.reminder): "approval_reminder",
    (Task.approval, Rung.cover): "approval_cover",
    (Task.offer_decision, Rung.reminder): "offer_decision_reminder",
    (Task.viewing_outcome, Rung.reminder): "viewing_outcome_reminder",
    (Task.risk_assessment, Rung.reminder): "assessment_reminder",
    (Task.officer_update, Rung.reminder): "update_reminder",
    (Task.officer_update, Rung.inactivity_notice): "inactivity_warning",
}
"""The notice and email of each rung that tells someone (notifications.messages.KINDS)."""


@dataclass(frozen=True)
class Wait:
    referral: Referral
    task: Task
    basis_id: uuid.UUID
    """What began it (the step's audit event, the offer, or the referral's last change)."""
    since: datetime


def uk_date(moment: datetime) -> date:
    return moment.astimezone(UK_TIME).date()


async def waits(db: AsyncSession, tenant_id: uuid.UUID, *, only_stalled: bool = False) -> list[Wait]:
    """Everything the scheme's referrals wait for now, one wait per (referral, task); `only_stalled`, only of
    referrals with a wait that has stalled (a few, where every live referral would be hundreds)."""
    states = [*STARTED_BY, *OFFICER_UPDATE]
    query = select(Referral).where(Referral.tenant_id == tenant_id, Referral.state.in_(states))
    if only_stalled:
        query = query.where(
            select(Reminder.id)
            .where(
                Reminder.tenant_id == Referral.tenant_id,
                Reminder.referral_id == Referral.id,
                Reminder.rung == Rung.stalled,
            )
            .exists()
        )
    found = list(await db.scalars(query.order_by(Referral.reference)))
    if not found:
        return []
    ids = [r.id for r in found]
    started: dict[tuple[uuid.UUID, Task], AuditEvent] = {}
    for event in await db.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.tenant_id == tenant_id,
            AuditEvent.subject_type == "referral",
            AuditEvent.subject_id.in_(ids),
            AuditEvent.action.in_(list(BEGUN_BY)),
        )
        .order_by(AuditEvent.occurred_at)
    ):
        assert event.subject_id is not None
        started[(event.subject_id, BEGUN_BY[event.action])] = event  # the latest wins
    unassessed = {
        offer.referral_id: offer
        for offer in await db.scalars(
            select(Offer).where(
                Offer.tenant_id == tenant_id,
                Offer.referral_id.in_(ids),
                Offer.state.in_(LIVE_OFFER_STATES),
                ~select(RiskAssessment.id)
                .where(RiskAssessment.tenant_id == Offer.tenant_id, RiskAssessment.offer_id == Offer.id)
                .exists(),
            )
        )
    }
    result = []
    for referral in found:
        if referral.state in OFFICER_UPDATE:
            # The referral's last change names the wait: any change starts it again.
            basis = uuid.uuid5(referral.id, referral.updated_at.isoformat())
            result.append(Wait(referral, Task.officer_update, basis, referral.updated_at))
            continue
        task, _ = STARTED_BY[referral.state]
        if (begun := started.get((referral.id, task))) is not None:
            result.append(Wait(referral, task, begun.id, begun.occurred_at))
        offer = unassessed.get(referral.id)
        if offer is not None and referral.risk_assessor_id is not None:
            result.append(Wait(referral, Task.risk_assessment, offer.id, offer.created_at))
    return result


async def sent_for(db: AsyncSession, tenant_id: uuid.UUID, referral_ids: list[uuid.UUID]) -> list[Reminder]:
    """The reminders sent about these referrals, oldest first."""
    return list(
        await db.scalars(
            select(Reminder)
            .where(Reminder.tenant_id == tenant_id, Reminder.referral_id.in_(referral_ids))
            .order_by(Reminder.created_at, Reminder.id)
        )
    )


def key(item: Wait | Reminder) -> tuple[uuid.UUID, Task, uuid.UUID]:
    referral_id = item.referral.id if isinstance(item, Wait) else item.referral_id
    return (referral_id, item.task, item.basis_id)


async def _leads(db: AsyncSession, tenant_id: uuid.UUID, organisation_id: uuid.UUID) -> list[uuid.UUID]:
    """The organisation's active named leads, the one who signed in most recently first."""
    return list(
        await db.scalars(
            select(User.id)
            .join(Membership, (Membership.tenant_id == User.tenant_id) & (Membership.user_id == User.id))
            .where(
                User.tenant_id == tenant_id,
                User.status != UserStatus.suspended,
                Membership.role == Role.named_lead,
                Membership.organisation_id == organisation_id,
            )
            .order_by(User.last_signed_in_at.desc().nulls_last(), User.id)
        )
    )


@dataclass(frozen=True)
class Recipients:
    role: Role | None
    organisation_id: uuid.UUID | None
    users: list[uuid.UUID]


async def _recipients(db: AsyncSession, wait: Wait, rung: Rung, reminded: set[uuid.UUID]) -> Recipients:
    referral = wait.referral
    if rung in (Rung.stalled, Rung.withdrawal):
        return Recipients(Role.coordinator if rung == Rung.stalled else None, None, [])
    if wait.task == Task.approval:
        assert referral.current_landlord_id is not None
        leads = await _leads(db, referral.tenant_id, referral.current_landlord_id)
        chosen = leads[:1] if rung == Rung.reminder else [u for u in leads if u not in reminded]
        return Recipients(Role.named_lead, referral.current_landlord_id, chosen)
    if wait.task == Task.risk_assessment:
        assert referral.risk_assessor_id is not None
        return Recipients(Role.risk_assessor, None, [referral.risk_assessor_id])
    return Recipients(Role.nominating_officer, referral.agency_id, [referral.officer_id])


async def remind(db: AsyncSession, tenant_id: uuid.UUID) -> int:
    """Send every rung due today in the scheme (nothing on a day that is not a working day): how many."""
    now = clock.now()
    today = uk_date(now)
    published = await current_criteria(db, tenant_id)
    if published is None or not is_working_day(today):
        return 0
    criteria = published.criteria
    found = await waits(db, tenant_id)
    sent: dict[tuple[uuid.UUID, Task, uuid.UUID], list[Reminder]] = defaultdict(list)
    for reminder in await sent_for(db, tenant_id, list({w.referral.id for w in found})):
        sent[key(reminder)].append(reminder)
    reminded = await _reminded(db, tenant_id, [r.id for rs in sent.values() for r in rs])
    count = 0
    for wait in found:
        earlier = sent[key(wait)]
        cover = False
        if wait.task == Task.approval and wait.referral.current_landlord_id is not None:
            cover = len(await _leads(db, tenant_id, wait.referral.current_landlord_id)) > 1
        rung = due(
            wait.task,
            uk_date(wait.since),
            today,
            {r.rung: uk_date(r.created_at) for r in earlier},
            reminder_days=criteria.reminder_days,
            inactivity_days=criteria.inactivity_days,
            cover=cover,
        )
        if rung is not None:
            told = {u for r in earlier for u in reminded.get(r.id, ())}
            count += await _send(db, wait, rung, working_days_between(uk_date(wait.since), today), told)
    log.info("reminders.sent", waits=len(found), sent=count)
    return count


async def _reminded(
    db: AsyncSession, tenant_id: uuid.UUID, reminder_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Who each reminder told: its notices' people."""
    told: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if reminder_ids:
        rows = await db.execute(
            select(Notice.event_id, Notice.user_id).where(
                Notice.tenant_id == tenant_id, Notice.event_id.in_(reminder_ids)
            )
        )
        for event_id, user_id in rows:
            told[event_id].append(user_id)
    return told


async def _send(db: AsyncSession, wait: Wait, rung: Rung, days: int, reminded: set[uuid.UUID]) -> int:
    """Record the rung once and act on it: 1 if this run sent it, 0 if it was sent already (or moot)."""
    referral = wait.referral
    tenant_id = referral.tenant_id
    if rung == Rung.withdrawal and not await inactivity.withdraw_inactive(
        db, tenant_id, referral.id, version=referral.version
    ):
        return 0
    to = await _recipients(db, wait, rung, reminded)
    reminder_id = await db.scalar(
        insert(Reminder)
        .values(
            tenant_id=tenant_id,
            id=uuid.uuid4(),
            referral_id=referral.id,
            task=wait.task,
            basis_id=wait.basis_id,
            rung=rung,
            role=to.role,
            organisation_id=to.organisation_id,
            recipients=len(to.users),
            waiting_since=wait.since,
            working_days=days,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "referral_id", "task", "basis_id", "rung"])
        .returning(Reminder.id)
    )
    if reminder_id is None:
        return 0
    kind = KINDS.get((wait.task, rung))
    for user_id in to.users if kind else []:
        assert to.role is not None
        assert kind is not None
        path = portal_path(to.role, referral, landlord=wait.task == Task.approval)
        await db.execute(
            insert(Notice)
            .values(
                tenant_id=tenant_id,
                id=uuid.uuid4(),
                user_id=user_id,
                kind=kind,
                role=to.role,
                event_id=reminder_id,
                occurred_at=clock.now(),
                referral_id=referral.id,
                reference=referral.reference,
                path=path,
            )
            .on_conflict_do_nothing(index_elements=["tenant_id", "event_id", "user_id"])
        )
        items: list[dict[str, str | None]] = [{"reference": referral.reference, "path": path}]
        await post(db, tenant_id, user_id, kind, items, key=f"reminder:{reminder_id}:{user_id}")
    log.info("reminder.sent", referral=str(referral.id), task=wait.task.value, rung=rung.value, to=len(to.users))
    return 1


@dataclass(frozen=True)
class Reminded:
    rung: Rung
    role: Role | None
    organisation_id: uuid.UUID | None
    sent_at: datetime


@dataclass(frozen=True)
class Stalled:
    """A wait that has run its ladder to the coordinator's work queue."""

    referral_id: uuid.UUID
    reference: str | None
    state: State
    task: Task
    since: datetime
    working_days: int
    """Working days it has waited, today."""
    reminded: list[Reminded]
    """Who was reminded, and when, before it stalled."""


async def stalled(db: AsyncSession, tenant_id: uuid.UUID) -> list[Stalled]:
    """The scheme's stalled waits that are still waiting, the longest first."""
    found = await waits(db, tenant_id, only_stalled=True)
    sent: dict[tuple[uuid.UUID, Task, uuid.UUID], list[Reminder]] = defaultdict(list)
    for reminder in await sent_for(db, tenant_id, list({w.referral.id for w in found})):
        sent[key(reminder)].append(reminder)
    today = uk_date(clock.now())
    rows = []
    for wait in found:
        earlier = sent[key(wait)]
        if not any(r.rung == Rung.stalled for r in earlier):
            continue
        told = [r for r in earlier if r.rung != Rung.stalled]
        reminded = [Reminded(r.rung, r.role, r.organisation_id, r.created_at) for r in told]
        days = working_days_between(uk_date(wait.since), today)
        referral = wait.referral
        rows.append(Stalled(referral.id, referral.reference, referral.state, wait.task, wait.since, days, reminded))
    return sorted(rows, key=lambda row: row.since)
