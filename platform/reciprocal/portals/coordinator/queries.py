"""What the coordinator's pages read: the work queue, one referral with its timeline, and the next batch."""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.criteria.schemas import Criteria
from reciprocal.criteria.services import criteria_at, current_criteria
from reciprocal.identity.models import User
from reciprocal.identity.services import Actor
from reciprocal.kernel import dates
from reciprocal.kernel.dates import UK_TIME
from reciprocal.kernel.working_days import working_days_before
from reciprocal.ledger.services import balances, partners_over_cap
from reciprocal.partners.models import Organisation, OrganisationArea
from reciprocal.portals.coordinator.described import described
from reciprocal.portals.officer.queries import in_states
from reciprocal.referrals import batches
from reciprocal.referrals.circulation import partners_reached, places_of, reachable
from reciprocal.referrals.models import Offer, Referral
from reciprocal.referrals.offers import live_offer
from reciprocal.referrals.pauses import Pause, pauses
from reciprocal.referrals.rules import ReferralAnswers
from reciprocal.referrals.services import ReferralNotFound, answers_of, get_referral
from reciprocal.referrals.workflow import State
from reciprocal.reminders import services as reminders
from reciprocal.reminders.rules import Rung
from reciprocal.tenancy.models import Area

QUEUE = (
    State.submitted,
    State.returned,
    State.awaiting_approval,
    State.approved,
    State.circulating,
    State.offer_made,
    State.viewing,
    State.accepted,
    State.on_hold,
)
"""The states that need the coordinator, or that they watch: the work queue's stages, in order."""


# The work queue.


@dataclass(frozen=True)
class Stage:
    state: State
    count: int
    oldest: datetime | None
    """When the referral waiting longest in this stage last changed."""


@dataclass(frozen=True)
class PartnerDebt:
    partner_id: uuid.UUID
    name: str
    owes: int
    """Properties it owes the pot, net, across bedroom classes."""
    held: int
    """Its tenants' referrals on hold until it reciprocates."""


@dataclass(frozen=True)
class WorkQueue:
    stages: list[Stage]
    over_cap: list[PartnerDebt]
    debt_cap: int | None
    stalled: list[reminders.Stalled]
    """Waits whose reminders went unanswered (reminders.services): the longest first."""
    organisations: dict[uuid.UUID, str]
    """Names of the organisations the stalled waits' reminders went to."""
    unoffered: list[Unoffered]
    """Referrals circulating for the criteria's reminder days with no offer yet: the longest first."""
    unoffered_days: int | None


@dataclasses.dataclass(frozen=True)
class Unoffered:
    referral_id: uuid.UUID
    reference: str | None
    circulated_at: datetime


async def _unoffered(db: AsyncSession, tenant_id: uuid.UUID, days: int) -> list[Unoffered]:
    """Circulating since `days` working days ago or longer, and never offered a property (by the state index)."""
    since = working_days_before(dates.today(), days)
    cutoff = datetime.combine(since, time.max, tzinfo=UK_TIME)
    offered = select(Offer.id).where(Offer.tenant_id == Referral.tenant_id, Offer.referral_id == Referral.id)
    rows = await db.execute(
        select(Referral.id, Referral.reference, Referral.circulated_at)
        .where(
            Referral.tenant_id == tenant_id,
            Referral.state == State.circulating,
            Referral.circulated_at <= cutoff,
            ~offered.exists(),
        )
        .order_by(Referral.circulated_at)
        .limit(UNOFFERED_SHOWN)
    )
    return [Unoffered(id_, reference, at) for id_, reference, at in rows if at is not None]


UNOFFERED_SHOWN = 20


async def work_queue(db: AsyncSession, tenant_id: uuid.UUID) -> WorkQueue:
    """Counts and ages of referrals at each stage, and the partners over the scheme's debt cap."""
    # The states written out, so the planner reads ix_referrals_in_hand: live referrals only, never the history.
    rows = await db.execute(
        select(Referral.state, func.count(), func.min(Referral.updated_at))
        .where(Referral.tenant_id == tenant_id, in_states(QUEUE))
        .group_by(Referral.state)
    )
    found = {state: (count, oldest) for state, count, oldest in rows}
    stages = [Stage(state, *found.get(state, (0, None))) for state in QUEUE]
    stalled = await reminders.stalled(db, tenant_id)
    organisations = await _names(db, tenant_id, {r.organisation_id for s in stalled for r in s.reminded})
    published = await current_criteria(db, tenant_id)
    if published is None:
        return WorkQueue(stages, [], None, stalled, organisations, [], None)
    days = published.criteria.reminder_days
    unoffered = await _unoffered(db, tenant_id, days)
    cap = published.criteria.partner_debt_cap
    over = await partners_over_cap(db, tenant_id, cap)
    debts: list[PartnerDebt] = []
    if over:
        net: dict[uuid.UUID, int] = defaultdict(int)
        names: dict[uuid.UUID, str] = {}
        for balance in await balances(db, tenant_id):
            net[balance.partner_id] += balance.net
            names[balance.partner_id] = balance.partner_name
        held = dict(
            (
                await db.execute(
                    select(Referral.current_landlord_id, func.count())
                    .where(Referral.tenant_id == tenant_id, Referral.state == State.on_hold)
                    .group_by(Referral.current_landlord_id)
                )
            ).all()
        )
        debts = sorted(
            (PartnerDebt(p, names[p], -net[p], held.get(p, 0)) for p in over if p in names),
            key=lambda d: (-d.owes, d.name),
        )
    return WorkQueue(stages, debts, cap, stalled, organisations, unoffered, days)


async def _names(db: AsyncSession, tenant_id: uuid.UUID, ids: Collection[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await db.execute(
        select(Organisation.id, Organisation.name).where(
            Organisation.tenant_id == tenant_id, Organisation.id.in_(wanted)
        )
    )
    return {organisation_id: name for organisation_id, name in rows}


async def risk_labels(db: AsyncSession, tenant_id: uuid.UUID) -> dict[str, str]:
    """Each risk type's label under the scheme's current criteria."""
    published = await current_criteria(db, tenant_id)
    return {} if published is None else {r.key: r.label for r in published.criteria.risk_types}


# One referral, as the coordinator sees it.


@dataclass(frozen=True)
class TimelineEvent:
    action: str
    occurred_at: datetime
    actor_name: str | None
    actor_role: str | None
    organisation: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class ReferralView:
    referral: Referral
    criteria: Criteria
    answers: ReferralAnswers
    areas: dict[uuid.UUID, str]
    """Every area of the scheme by id: names for the referral's and the offer's."""
    organisations: dict[uuid.UUID, str]
    risk_assessor: str | None
    offer: Offer | None
    timeline: list[TimelineEvent]
    """What happened to the referral, newest first: every audit event except reads."""
    reads: int
    """How often the referral has been read (each read is in the audit trail, not the timeline), counted up to
    READS_COUNTED and one more."""
    last_read: TimelineEvent | None

    @property
    def reads_words(self) -> str:
        if self.reads > READS_COUNTED:
            return f"more than {READS_COUNTED:,} times"
        return "1 time" if self.reads == 1 else f"{self.reads:,} times"


async def referral_for_coordinator(db: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> ReferralView:
    """Everything the coordinator's referral page shows. A draft is the officer's alone: not found."""
    referral = await get_referral(db, actor, referral_id, for_update=False)
    if referral.state == State.draft or referral.criteria_version is None:
        raise ReferralNotFound
    tenant_id = referral.tenant_id
    areas: dict[uuid.UUID, str] = {}
    organisations: dict[uuid.UUID, str] = {}
    for is_area, id_, name in await db.execute(
        select(literal(True), Area.id, Area.name)
        .where(Area.tenant_id == tenant_id)
        .union_all(
            select(literal(False), Organisation.id, Organisation.name).where(Organisation.tenant_id == tenant_id)
        )
    ):
        (areas if is_area else organisations)[id_] = name
    assessor = None
    if referral.risk_assessor_id is not None:
        assessor = await db.scalar(
            select(User.display_name).where(User.tenant_id == tenant_id, User.id == referral.risk_assessor_id)
        )
    return ReferralView(
        referral=referral,
        criteria=await criteria_at(db, tenant_id, referral.criteria_version),
        answers=await answers_of(db, referral),
        areas=areas,
        organisations=organisations,
        risk_assessor=assessor,
        offer=await live_offer(db, referral),
        timeline=await timeline(db, referral),
        **await _reads(db, referral),
    )


def _events(referral: Referral) -> Select[Any]:
    """Audit events about `referral` with who acted: name, role and organisation; newest first."""
    return (
        select(
            AuditEvent.action,
            AuditEvent.occurred_at,
            User.display_name,
            AuditEvent.actor_role,
            Organisation.name,
            AuditEvent.details,
        )
        .outerjoin(User, (User.tenant_id == AuditEvent.tenant_id) & (User.id == AuditEvent.actor_user_id))
        .outerjoin(
            Organisation,
            (Organisation.tenant_id == AuditEvent.tenant_id) & (Organisation.id == AuditEvent.actor_organisation_id),
        )
        .where(
            AuditEvent.tenant_id == referral.tenant_id,
            AuditEvent.subject_type == "referral",
            AuditEvent.subject_id == referral.id,
        )
        .order_by(AuditEvent.occurred_at.desc())
    )


async def timeline(db: AsyncSession, referral: Referral) -> list[TimelineEvent]:
    """What happened to `referral`, newest first, with each reminder sent about it (to whom by role and
    organisation, never by name). Reads are left out: a referral read a thousand times would otherwise
    carry a thousand lines, and every read makes another."""
    rows = await db.execute(_events(referral).where(AuditEvent.action != literal_column(f"'{VIEWED}'")))
    events = await described(db, referral, [TimelineEvent(*row) for row in rows])
    sent = [r for r in await reminders.sent_for(db, referral.tenant_id, [referral.id]) if r.rung != Rung.withdrawal]
    names = await _names(db, referral.tenant_id, {r.organisation_id for r in sent})
    for reminder in sent:
        details: dict[str, Any] = {
            "task": reminder.task.value,
            "rung": reminder.rung.value,
            "role": reminder.role.value if reminder.role else None,
            "organisation": names.get(reminder.organisation_id) if reminder.organisation_id else None,
            "working_days": reminder.working_days,
            "recipients": reminder.recipients,
        }
        events.append(TimelineEvent(f"reminder.{reminder.rung.value}", reminder.created_at, None, None, None, details))
    return sorted(events, key=lambda event: event.occurred_at, reverse=True)


READS_COUNTED = 1000
"""Reads of a referral counted one by one; past this many the page says "more than 1,000 times"."""


async def _reads(db: AsyncSession, referral: Referral) -> dict[str, Any]:
    """Reads by anyone outside the referring agency: the officer opening their own referral is not news. The
    latest, with how many there are (up to READS_COUNTED and one more) as a column of it: one query, through
    ix_audit_events_reads, that reads at most that many however often the referral has been read."""
    others = AuditEvent.actor_organisation_id.is_distinct_from(referral.agency_id)
    a_read = AuditEvent.action == literal_column(f"'{VIEWED}'")
    counted = (
        select(AuditEvent.id)
        .where(AuditEvent.tenant_id == referral.tenant_id, AuditEvent.subject_id == referral.id, a_read, others)
        .limit(READS_COUNTED + 1)
        .subquery()
    )
    count = select(func.count()).select_from(counted).scalar_subquery()
    last = (await db.execute(_events(referral).add_columns(count).where(a_read, others).limit(1))).first()
    if last is None:
        return {"reads": 0, "last_read": None}
    *event, reads = last
    return {"reads": reads, "last_read": TimelineEvent(*event)}


VIEWED = "referral.viewed"


# The next batch.


@dataclass(frozen=True)
class Reach:
    partner_name: str
    areas: tuple[str, ...]
    """Why the referral reaches it: the referral's safe areas it covers or, for a referral naming no safe
    areas, the areas it covers outside the referral's risk areas."""


@dataclass(frozen=True)
class BatchItem:
    referral: Referral
    safe_areas: tuple[str, ...]
    risk_areas: tuple[str, ...]
    reaches: list[Reach]
    """Empty: released, it would reach no partner, so it stays out of the batch (services.release_batch)."""


@dataclass(frozen=True)
class Batch:
    items: list[BatchItem]
    """What the next release circulates."""
    unreached: list[BatchItem]
    """Approved referrals no partner covers: they stay out until one does."""
    held_back: list[BatchItem]
    """Approved referrals the coordinator held back: out of every batch until put back."""
    last_released_at: datetime | None
    circulation_days: int | None
    next_release: date | None
    """The day the service releases the next batch on the scheme's cadence."""
    paused: list[Pause]
    """Partners that have paused new circulations: the release skips them (circulation.partners_reached)."""


async def next_batch(db: AsyncSession, tenant_id: uuid.UUID) -> Batch:
    """The approved referrals the next release circulates, and the partners each reaches, by the rule the
    release itself follows (referrals.circulation.partners_reached); those it leaves out, and why."""
    approved = list(
        await db.scalars(
            select(Referral)
            .where(Referral.tenant_id == tenant_id, Referral.state == State.approved)
            .order_by(Referral.submitted_at, Referral.reference)
        )
    )
    last = await batches.last_release(db, tenant_id)
    published = await current_criteria(db, tenant_id)
    days = published.criteria.circulation_days if published else None
    today = dates.today()
    upcoming = batches.next_release_day(last, days, today) if days else None
    paused = sorted((await pauses(db, tenant_id)).values(), key=lambda pause: pause.partner_name)
    if not approved:
        return Batch([], [], [], last, days, upcoming, paused)
    area_names = dict((await db.execute(select(Area.id, Area.name).where(Area.tenant_id == tenant_id))).all())
    named = await places_of(db, tenant_id, [r.id for r in approved])
    reached = await partners_reached(db, approved)
    partner_names = dict(
        (await db.execute(select(Organisation.id, Organisation.name).where(Organisation.tenant_id == tenant_id))).all()
    )
    covers: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for partner_id, area_id in await db.execute(
        select(OrganisationArea.organisation_id, OrganisationArea.area_id).where(
            OrganisationArea.tenant_id == tenant_id
        )
    ):
        covers[partner_id].add(area_id)

    def names(ids: Collection[uuid.UUID]) -> tuple[str, ...]:
        return tuple(sorted(area_names[a] for a in ids))

    batch = Batch([], [], [], last, days, upcoming, paused)
    for referral in approved:
        where = named[referral.id]
        reaches = sorted(
            (Reach(partner_names[p], names(reachable(covers[p], where))) for p in reached[referral.id]),
            key=lambda reach: reach.partner_name,
        )
        item = BatchItem(referral, names(where.safe), names(where.risk), reaches)
        (batch.held_back if referral.held_back else batch.items if reaches else batch.unreached).append(item)
    return batch
