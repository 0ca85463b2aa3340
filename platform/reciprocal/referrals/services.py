"""Referrals: drafting, submitting, checking, approving and circulating. Every change audited."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from reciprocal.audit.services import record
from reciprocal.criteria.schemas import Criteria
from reciprocal.criteria.services import criteria_at, current_criteria
from reciprocal.db.base import new_id
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.jobs import services as jobs
from reciprocal.kernel import clock
from reciprocal.kernel.errors import NotFound, Refused
from reciprocal.ledger.services import lock_accounts, partners_over_cap
from reciprocal.referrals.circulation import CIRCULATED, partners_reached, places, reaches
from reciprocal.referrals.models import (
    LIVE_OFFER_STATES,
    MonitoringAnswers,
    Offer,
    OfferState,
    ReferenceCounter,
    Referral,
    ReferralArea,
)
from reciprocal.referrals.rules import Problem, ReferralAnswers, check
from reciprocal.referrals.workflow import (
    MILESTONES,
    OFFER_HELD,
    SYSTEM,
    Action,
    State,
    TransitionRefused,
    transition,
)
from reciprocal.tenancy.models import Scheme


class ReferralNotFound(NotFound):
    """Not there, or not yours: the same answer (a 404)."""


STALE = "This referral has changed since you opened it: check it and try again"
"""What every page says of a form filled in against an earlier version of the referral (StaleReferral)."""


class StaleReferral(Refused):
    """Someone changed the referral since this form was shown."""

    def __init__(self) -> None:
        super().__init__(STALE)


class InvalidReferral(Refused):
    """Answers the criteria or the command refuse, one (field, message) pair each."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems=problems)


def visible_to(actor: Actor):  # type: ignore[no-untyped-def]
    """The referrals an actor may see at all; narrower views (anonymised) are the pages' business."""
    if actor.role == Role.coordinator:
        return Referral.tenant_id == actor.tenant_id
    if actor.role == Role.nominating_officer:
        # The officer holding the referral, at their agency: handed over (referrals.handover), it is the new
        # officer's and no longer the old one's.
        return (Referral.agency_id == actor.organisation_id) & (Referral.officer_id == actor.user_id)
    if actor.role == Role.named_lead:
        # What a partner may act on. What its pages show is narrower: a circulated referral only while it
        # circulates to them or holds their live offer, then only the outcome (portals/named_lead).
        return or_(
            Referral.current_landlord_id == actor.organisation_id,
            Referral.state.in_(CIRCULATED) & reaches(actor.tenant_id, actor.organisation_id),
        )
    if actor.role == Role.risk_assessor:
        return Referral.risk_assessor_id == actor.user_id
    return Referral.id.is_(None)


async def criteria_of(db: AsyncSession, referral: Referral) -> Criteria | None:
    """The criteria the referral was checked under (None before its submission)."""
    if referral.criteria_version is None:
        return None
    return await criteria_at(db, referral.tenant_id, referral.criteria_version)


async def get_referral(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, for_update: bool) -> Referral:
    """The referral if this actor may see it; ReferralNotFound otherwise, whether absent or not theirs."""
    query = select(Referral).where(Referral.tenant_id == actor.tenant_id, Referral.id == referral_id, visible_to(actor))
    if for_update:
        # NOTE: populate_existing: if this transaction read the referral before, the locked row must
        # replace what it read then. Otherwise the checks after the lock see the state and version from
        # before a concurrent change committed, and the flush fails on the stale version (a 500).
        query = query.with_for_update().execution_options(populate_existing=True)
    referral = await db.scalar(query)
    if referral is None:
        raise ReferralNotFound
    return referral


Check = Callable[[Referral], None]
"""A refusal a command checks on the locked referral: it raises TransitionRefused or InvalidReferral."""


async def load_for_change(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, version: int, check_first: Check | None = None
) -> Referral:
    """The referral locked for a command to change it, as it was when the command's form was rendered.

    ReferralNotFound when the actor may not see it; StaleReferral when its version is not `version`, the
    one the form carried. `check_first` runs on the locked row before the version is compared, for a
    refusal that says more than "it has changed" (another property was offered meanwhile).
    """
    referral = await get_referral(db, actor, referral_id, for_update=True)
    if check_first is not None:
        check_first(referral)
    if referral.version != version:
        raise StaleReferral
    return referral


HOME_VIEWED = "named_lead.home_viewed"
"""Audit event of a named lead opening their home: the latest one is their last visit."""


def record_home_visit(db: AsyncSession, actor: Actor) -> None:
    """A named lead opened their home: their next visit shows what arrived after this one."""
    record(db, actor.tenant_id, HOME_VIEWED, actor=actor, subject_type="user", subject_id=actor.user_id)


VIEWED = "referral.viewed"
"""Audit event of a person reading a referral: for a named lead, what was new is new no more."""


def record_view(db: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> None:
    """Reading a referral is audited too: who, in which role, for which organisation. Ids only."""
    record(db, actor.tenant_id, VIEWED, actor=actor, subject_type="referral", subject_id=referral_id)


async def answers_of(db: AsyncSession, referral: Referral) -> ReferralAnswers:
    named = await places(db, referral)
    return ReferralAnswers(
        consent=referral.consent,
        tenancy_type=referral.tenancy_type,
        duty_to_house=referral.duty_to_house,
        current_landlord_id=referral.current_landlord_id,
        current_area_id=referral.current_area_id,
        adults=referral.adults,
        children_ages=tuple(referral.children_ages),
        bedrooms_needed=referral.bedrooms_needed,
        pets=referral.pets,
        access_needs=referral.access_needs,
        floor_level_need=referral.floor_level_need,
        medical_evidence=referral.medical_evidence,
        risk_type=referral.risk_type,
        risk_area_ids=named.risk,
        safe_area_ids=named.safe,
        risk_assessor_id=referral.risk_assessor_id,
        safeguarding_measures=referral.safeguarding_measures,
        resettlement_support=referral.resettlement_support,
        other_pathways=tuple(referral.other_pathways),
    )


async def start_referral(db: AsyncSession, actor: Actor) -> Referral:
    """A new draft belonging to the officer's agency."""
    if actor.role != Role.nominating_officer:
        raise TransitionRefused("Only a nominating officer can start a referral.")
    referral = Referral(
        tenant_id=actor.tenant_id, state=State.draft, officer_id=actor.user_id, agency_id=actor.organisation_id
    )
    db.add(referral)
    await db.flush()
    record(db, actor.tenant_id, "referral.started", actor=actor, subject_type="referral", subject_id=referral.id)
    return referral


async def save_draft(
    db: AsyncSession,
    actor: Actor,
    referral_id: uuid.UUID,
    answers: ReferralAnswers,
    *,
    version: int,
    case_reference: str | None = None,
    monitoring: dict[str, str] | None = None,
) -> Referral:
    """Keep what was typed, valid or not, while the referral is a draft or returned for information."""

    def editable(referral: Referral) -> None:
        if actor.role != Role.nominating_officer or referral.state not in (State.draft, State.returned):
            raise TransitionRefused("Only the nominating officer can change a draft or returned referral.")

    referral = await load_for_change(db, actor, referral_id, version=version, check_first=editable)
    values = asdict(answers)
    risk, safe = values.pop("risk_area_ids"), values.pop("safe_area_ids")
    values["children_ages"] = list(values["children_ages"])
    values["other_pathways"] = list(values["other_pathways"])
    for name, value in values.items():
        setattr(referral, name, value)
    if case_reference is not None:
        referral.officer_case_reference = case_reference.strip()[:100]
    await _replace_areas(db, referral, risk=risk, safe=safe)
    if monitoring is not None:
        await db.execute(
            insert(MonitoringAnswers)
            .values(tenant_id=referral.tenant_id, referral_id=referral.id, answers=monitoring)
            .on_conflict_do_update(index_elements=["tenant_id", "referral_id"], set_={"answers": monitoring})
        )
    referral.updated_at = clock.now()
    try:
        await db.flush()
    except StaleDataError:
        raise StaleReferral from None
    return referral


async def _replace_areas(
    db: AsyncSession, referral: Referral, *, risk: frozenset[uuid.UUID], safe: frozenset[uuid.UUID]
) -> None:
    await db.execute(
        delete(ReferralArea).where(
            ReferralArea.tenant_id == referral.tenant_id, ReferralArea.referral_id == referral.id
        )
    )
    rows = [{"area_id": a, "kind": "risk"} for a in risk] + [{"area_id": a, "kind": "safe"} for a in safe]
    if rows:
        await db.execute(
            insert(ReferralArea),
            [{"tenant_id": referral.tenant_id, "referral_id": referral.id, **row} for row in rows],
        )


async def _next_reference(db: AsyncSession, scheme: Scheme, when: datetime) -> str:
    number = await db.scalar(
        insert(ReferenceCounter)
        .values(tenant_id=scheme.id, year=when.year, last=1)
        .on_conflict_do_update(index_elements=["tenant_id", "year"], set_={"last": ReferenceCounter.last + 1})
        .returning(ReferenceCounter.last)
    )
    return f"{scheme.reference_prefix}-{when.year}-{number:04d}"


async def submit(db: AsyncSession, actor: Actor, scheme: Scheme, referral_id: uuid.UUID, *, version: int) -> Referral:
    """Check the referral against the scheme's current criteria and, if it passes, submit it.

    On first submission it gets the scheme's next reference number and keeps the criteria version it
    was checked under. A referral whose landlord is over the debt cap goes straight on hold.
    """
    referral = await load_for_change(db, actor, referral_id, version=version)
    action = Action.resubmit if referral.state == State.returned else Action.submit
    step = transition(referral.state, action, actor.role)
    published = await current_criteria(db, scheme.id)
    assert published is not None
    problems = check(await answers_of(db, referral), published.criteria, scheme.area_term)
    if problems:
        raise InvalidReferral(problems)
    # The landlord's account is locked for the hold decision below, before the scheme's reference counter
    # is: a move changing the balance waits until this submission commits, then releases its hold if it
    # should (referrals.offers.record_move); a submission during a move waits and reads the new balance.
    await lock_accounts(db, scheme.id, filter(None, [referral.current_landlord_id]), to_change=False)
    now = clock.now()
    if referral.reference is None:
        referral.reference = await _next_reference(db, scheme, now)
        referral.criteria_version = published.version
    referral.submitted_at = now
    apply_step(db, actor, referral, step.target, step.event)
    if referral.current_landlord_id in await partners_over_cap(db, scheme.id, published.criteria.partner_debt_cap):
        hold = transition(referral.state, Action.put_on_hold, SYSTEM)
        apply_step(db, None, referral, hold.target, hold.event, reason="landlord_over_debt_cap")
    await db.flush()
    return referral


def apply_step(
    db: AsyncSession,
    actor: Actor | None,
    referral: Referral,
    target: State,
    event: str,
    **details: str,
) -> None:
    """Move the referral to `target` and record the step: every state change of the aggregate goes here, and
    so does every notification of one."""
    _record_step(db, actor, referral, target, event, details)
    referral.state = target
    referral.updated_at = clock.now()
    milestone = MILESTONES.get(target)
    if milestone and getattr(referral, milestone) is None:
        setattr(referral, milestone, referral.updated_at)


def _record_step(
    db: AsyncSession, actor: Actor | None, referral: Referral, target: State, event: str, details: dict[str, str]
) -> None:
    step = record(
        db,
        referral.tenant_id,
        event,
        actor=actor,
        subject_type="referral",
        subject_id=referral.id,
        details={"from": referral.state.value, "to": target.value, **details},
    )
    # Whoever must now act is told by the worker, once this transaction commits (notifications.handoffs).
    step.id = new_id()
    jobs.collect(db, jobs.HANDOFF, referral.tenant_id, step.id)


async def apply_steps(
    db: AsyncSession,
    actor: Actor | None,
    referrals: list[Referral],
    target: State,
    event: str,
    *,
    circulated_at: datetime | None = None,
    **details: str,
) -> None:
    """apply_step for many referrals locked together (a batch released): one UPDATE for them all, not one each,
    so a batch of a thousand takes one statement. Each step is recorded and told exactly as apply_step's."""
    if not referrals:
        return
    now = clock.now()
    for referral in referrals:
        _record_step(db, actor, referral, target, event, details)
    values: dict[str, object] = {"state": target, "updated_at": now}
    if circulated_at is not None:
        values["circulated_at"] = circulated_at
    milestone = MILESTONES.get(target)
    if milestone:
        values[milestone] = func.coalesce(getattr(Referral, milestone), now)
    await db.execute(
        update(Referral)
        .where(Referral.tenant_id == referrals[0].tenant_id, Referral.id.in_([r.id for r in referrals]))
        .values(version=Referral.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    # NOTE: the loaded objects are told what the UPDATE did, as if they had been flushed: nothing left to write.
    for referral in referrals:
        for name, value in (*values.items(), ("version", referral.version + 1)):
            if name == milestone:
                value = getattr(referral, name) or now
            set_committed_value(referral, name, value)


async def act(
    db: AsyncSession,
    actor: Actor,
    referral_id: uuid.UUID,
    action: Action,
    *,
    version: int,
    note: str = "",
) -> Referral:
    """A workflow step with nothing more to it than the table (and a note for the officer)."""
    referral = await load_for_change(db, actor, referral_id, version=version)
    if action in (Action.approve, Action.decline) and referral.current_landlord_id != actor.organisation_id:
        raise TransitionRefused("Only a named lead of the applicant's current landlord can do that.")
    if action in (Action.return_for_information, Action.mark_ineligible, Action.decline) and not note.strip():
        raise InvalidReferral([("note", "Give a reason")])
    step = transition(referral.state, action, actor.role)
    if note.strip():
        referral.note = note.strip()
    if step.target == State.circulating:
        referral.circulated_at = clock.now()
    await end_live_offer(db, referral, step.target)
    apply_step(db, actor, referral, step.target, step.event)
    await db.flush()
    return referral


async def end_live_offer(db: AsyncSession, referral: Referral, target: State) -> None:
    # Offers standing side by side keep a referral circulating (offers.make_offer): they end with it too.
    held = referral.state in OFFER_HELD
    side_by_side = referral.state == State.circulating and target != State.circulating
    if (held or side_by_side) and target not in OFFER_HELD:
        # Withdrawn, or its offer withdrawn: the referral holds no property now, so every live offer ends
        # and its address is forgotten in the same transaction (the database refuses an ended offer's address).
        await db.execute(
            update(Offer)
            .where(
                Offer.tenant_id == referral.tenant_id,
                Offer.referral_id == referral.id,
                Offer.state.in_(LIVE_OFFER_STATES),
            )
            .values(state=OfferState.withdrawn, address_encrypted=None)
        )


BATCH_RELEASED = "batch.released"
"""Audit event of a batch released (subject: the scheme): the latest one starts the cadence's count again."""


async def circulate_batch(db: AsyncSession, actor: Actor) -> list[Referral]:
    """The coordinator releases the batch now: see release_batch."""
    return await release_batch(db, actor.tenant_id, actor)


async def release_batch(db: AsyncSession, tenant_id: uuid.UUID, actor: Actor | None) -> list[Referral]:
    """Circulate every approved referral in the batch to the partners covering its safe areas; `actor` None is
    the service, on the scheme's cadence (referrals.batches). The circulated referrals, oldest first.

    A referral the coordinator held back stays out, and so does one that would reach no partner: it is never
    "circulated" to nobody, and waits, flagged on the batch page, until a partner covers one of its areas.
    """
    approved = list(
        await db.scalars(
            select(Referral)
            .where(Referral.tenant_id == tenant_id, Referral.state == State.approved, Referral.held_back.is_(False))
            .order_by(Referral.submitted_at)
            .with_for_update()
        )
    )
    reached = await partners_reached(db, approved)
    batch = [referral for referral in approved if reached[referral.id]]
    party = SYSTEM if actor is None else actor.role
    how = "scheduled" if actor is None else "now"
    steps = {transition(referral.state, Action.circulate, party) for referral in batch}
    for step in steps:  # one: every referral in the batch is approved
        await apply_steps(db, actor, batch, step.target, step.event, circulated_at=clock.now(), batch=how)
    if batch or actor is None:
        details = {"batch": how, "circulated": len(batch), "no_partner": len(approved) - len(batch)}
        record(db, tenant_id, BATCH_RELEASED, actor=actor, subject_type="scheme", subject_id=tenant_id, details=details)
    await db.flush()
    return batch
