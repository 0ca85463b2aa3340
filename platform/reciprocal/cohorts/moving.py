"""Carrying out a cohort hand-over: the one place code crosses tenants, in one transaction.

The operator's session switches its scheme (`scope_to_tenant`, a transaction-local setting) from the giving scheme
to the receiving one and back, so row-level security holds at every statement: each read and write is in exactly
one scheme. Each live referral of the cohort whose landlord, agency and named areas have counterparts is copied
into the receiving scheme with its answers, monitoring answers and timeline, under that scheme's next reference
(the old one kept as `former_reference`), and the original ends as `handed_on` with a line saying where it went.
Offers, the ledger and messages stay where they are: ledger positions never move between pots, and a referral
with an offer in progress stays (listed) until its offer ends. Audited in both schemes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.audit.services import record
from reciprocal.cohorts.models import HANDED_ON, RECEIVED, CohortHandover, HandoverState
from reciprocal.cohorts.services import both_agreed
from reciprocal.criteria.models import CriteriaVersion
from reciprocal.db.base import new_id
from reciprocal.db.engine import Database, scope_to_tenant
from reciprocal.identity.models import Membership, Role, User, UserStatus
from reciprocal.jobs import services as jobs
from reciprocal.kernel import clock
from reciprocal.kernel.errors import NotFound, Refused
from reciprocal.ledger.services import balances
from reciprocal.referrals.models import LIVE_OFFER_STATES, MonitoringAnswers, Offer, Referral, ReferralArea
from reciprocal.referrals.services import _next_reference
from reciprocal.referrals.workflow import ACTIVE, State
from reciprocal.tenancy.models import Area, Scheme

DONE = "cohort.handed_over"
"""In both schemes: the hand-over as a whole, with counts."""

OFFER_IN_PROGRESS = frozenset({State.offer_made, State.viewing, State.accepted})
STAYS_LANDLORD = "Its landlord has no counterpart in the receiving scheme"
STAYS_AGENCY = "Its referring agency has no counterpart in the receiving scheme"
STAYS_AREA = "An area it names is not in the receiving scheme"
STAYS_OFFER = "An offer is in progress: it stays until the offer ends"

COPIED = tuple(
    c.key
    for c in Referral.__table__.columns
    if c.key
    not in {
        "tenant_id",
        "id",
        "version",
        "reference",
        "former_reference",
        "officer_id",
        "agency_id",
        "current_landlord_id",
        "current_area_id",
        "risk_assessor_id",
        "criteria_version",
        "updated_at",
    }
)
"""The referral's own answers and milestones, copied as they are; its links to people, organisations, areas and
criteria are mapped to the receiving scheme's."""


@dataclass(frozen=True)
class Plan:
    referral: Referral
    reason: str | None
    """Why it stays; None when it moves."""


def _balances_rows(found: list[Any]) -> list[dict[str, Any]]:
    return [
        {"partner": b.partner_name, "bedrooms": b.bedrooms, "owed": b.owed, "owing": b.owing, "net": b.net}
        for b in found
    ]


async def _read_giving(
    session: AsyncSession, request: CohortHandover, area_names: dict[uuid.UUID, uuid.UUID]
) -> list[Plan]:
    tid = request.from_scheme_id
    cohort = list(
        await session.scalars(
            select(Referral)
            .where(Referral.tenant_id == tid, Referral.risk_type == request.risk_type, Referral.state.in_(ACTIVE))
            .order_by(Referral.submitted_at, Referral.id)
            .with_for_update()
        )
    )
    offered = set(
        await session.scalars(
            select(Offer.referral_id).where(
                Offer.tenant_id == tid,
                Offer.referral_id.in_([r.id for r in cohort]),
                Offer.state.in_(LIVE_OFFER_STATES),
            )
        )
    )
    areas: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row in await session.scalars(
        select(ReferralArea).where(ReferralArea.tenant_id == tid, ReferralArea.referral_id.in_([r.id for r in cohort]))
    ):
        areas.setdefault(row.referral_id, []).append(row.area_id)
    plans = []
    for referral in cohort:
        reason = None
        if referral.state in OFFER_IN_PROGRESS or referral.id in offered:
            reason = STAYS_OFFER
        elif str(referral.current_landlord_id) not in request.matches:
            reason = STAYS_LANDLORD
        elif str(referral.agency_id) not in request.matches:
            reason = STAYS_AGENCY
        elif any(
            a not in area_names
            for a in [*areas.get(referral.id, []), *([referral.current_area_id] if referral.current_area_id else [])]
        ):
            reason = STAYS_AREA
        plans.append(Plan(referral, reason))
    return plans


async def _area_names(session: AsyncSession, giving: uuid.UUID, receiving: uuid.UUID) -> dict[uuid.UUID, uuid.UUID]:
    """The giving scheme's area ids mapped to the receiving scheme's of the same name (case and spaces aside)."""
    await scope_to_tenant(session, receiving)
    theirs = {
        " ".join(name.lower().split()): area_id
        for area_id, name in await session.execute(select(Area.id, Area.name).where(Area.tenant_id == receiving))
    }
    await scope_to_tenant(session, giving)
    ours = await session.execute(select(Area.id, Area.name).where(Area.tenant_id == giving))
    return {
        area_id: theirs[" ".join(name.lower().split())]
        for area_id, name in ours
        if " ".join(name.lower().split()) in theirs
    }


async def unscoped_hand_over(  # unscoped: the one cross-tenant move, both schemes' admins having agreed (issue 13)
    db: Database, operator_id: uuid.UUID, handover_id: uuid.UUID
) -> CohortHandover:
    """Carry out an agreed request, in one transaction: what moved, what stayed and both sides' balances are in
    its `report`. Refused (nothing changes) unless both admins agreed and it has not been carried out."""
    async with db.session() as session, session.begin():
        request = await session.scalar(select(CohortHandover).where(CohortHandover.id == handover_id).with_for_update())
        if request is None:
            raise NotFound
        if request.state != HandoverState.requested:
            raise Refused("This hand-over has already been carried out.")
        if not both_agreed(request):
            raise Refused("Both schemes' admins must agree to the hand-over, and to its matching, before it is made.")
        giving = await session.get_one(Scheme, request.from_scheme_id)
        receiving = await session.get_one(Scheme, request.to_scheme_id)
        now = clock.now()
        area_map = await _area_names(session, giving.id, receiving.id)  # leaves the session in the giving scheme
        plans = await _read_giving(session, request, area_map)
        moving = [p.referral for p in plans if p.reason is None]
        ids = [r.id for r in moving]
        officers = {
            u.id: u
            for u in await session.scalars(
                select(User).where(
                    User.tenant_id == giving.id,
                    User.id.in_(
                        {r.officer_id for r in moving} | {r.risk_assessor_id for r in moving if r.risk_assessor_id}
                    ),
                )
            )
        }
        areas = list(
            await session.scalars(
                select(ReferralArea).where(ReferralArea.tenant_id == giving.id, ReferralArea.referral_id.in_(ids))
            )
        )
        monitoring = {
            m.referral_id: m.answers
            for m in await session.scalars(
                select(MonitoringAnswers).where(
                    MonitoringAnswers.tenant_id == giving.id, MonitoringAnswers.referral_id.in_(ids)
                )
            )
        }
        timeline = list(
            await session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.tenant_id == giving.id,
                    AuditEvent.subject_type == "referral",
                    AuditEvent.subject_id.in_(ids),
                )
                .order_by(AuditEvent.occurred_at, AuditEvent.id)
            )
        )
        giving_balances = _balances_rows(await balances(session, giving.id))

        # The receiving scheme: people found by email (or given an account there), then the copies.
        await scope_to_tenant(session, receiving.id)
        receiving_balances = _balances_rows(await balances(session, receiving.id))
        criteria = await session.scalar(
            select(CriteriaVersion.version)
            .where(CriteriaVersion.tenant_id == receiving.id)
            .order_by(CriteriaVersion.version.desc())
            .limit(1)
        )
        theirs = {
            u.email: u.id
            for u in await session.scalars(
                select(User).where(User.tenant_id == receiving.id, User.email.in_([u.email for u in officers.values()]))
            )
        }
        people = {old_id: theirs[user.email] for old_id, user in officers.items() if user.email in theirs}
        """The giving scheme's people (officers and risk assessors) found in the receiving scheme by email."""
        for old_id in {r.officer_id for r in moving}:
            user = officers[old_id]
            if user.email not in theirs:
                theirs[user.email] = new_id()
                session.add(
                    User(
                        tenant_id=receiving.id,
                        id=theirs[user.email],
                        email=user.email,
                        display_name=user.display_name,
                        status=UserStatus.invited,
                    )
                )
            people[old_id] = theirs[user.email]
        await session.flush()
        memberships = {
            (m.user_id, m.organisation_id, m.role)
            for m in await session.scalars(select(Membership).where(Membership.tenant_id == receiving.id))
        }
        assessors = {u for u, _org, role in memberships if role == Role.risk_assessor}
        moved: list[dict[str, str]] = []
        new_ids: dict[uuid.UUID, uuid.UUID] = {}
        for referral in moving:
            officer = people[referral.officer_id]
            agency = uuid.UUID(request.matches[str(referral.agency_id)])
            key = (officer, agency, Role.nominating_officer)
            if key not in memberships:  # the officer goes on with the case, for the matched agency
                memberships.add(key)
                session.add(Membership(tenant_id=receiving.id, user_id=officer, organisation_id=agency, role=key[2]))
            # A risk assessor goes with it only if they assess in the receiving scheme too; else the coordinator
            # there names one.
            assessor = people.get(referral.risk_assessor_id) if referral.risk_assessor_id else None
            reference = await _next_reference(session, receiving, now)
            copy = Referral(
                tenant_id=receiving.id,
                id=new_id(),
                reference=reference,
                former_reference=referral.reference,
                officer_id=officer,
                agency_id=agency,
                current_landlord_id=uuid.UUID(request.matches[str(referral.current_landlord_id)]),
                current_area_id=area_map[referral.current_area_id] if referral.current_area_id else None,
                risk_assessor_id=assessor if assessor in assessors else None,
                criteria_version=criteria if referral.criteria_version is not None else None,
                updated_at=now,
                **{key: getattr(referral, key) for key in COPIED},
            )
            session.add(copy)
            new_ids[referral.id] = copy.id
            moved.append({"from_reference": referral.reference or "", "to_reference": reference})
        await session.flush()
        if areas:
            await session.execute(
                insert(ReferralArea),
                [
                    {
                        "tenant_id": receiving.id,
                        "referral_id": new_ids[a.referral_id],
                        "area_id": area_map[a.area_id],
                        "kind": a.kind,
                    }
                    for a in areas
                ],
            )
        if monitoring:
            await session.execute(
                insert(MonitoringAnswers),
                [{"tenant_id": receiving.id, "referral_id": new_ids[k], "answers": v} for k, v in monitoring.items()],
            )
        if timeline:
            await session.execute(
                insert(AuditEvent),
                [
                    {
                        "tenant_id": receiving.id,
                        "id": new_id(),
                        "occurred_at": e.occurred_at,
                        "action": e.action,
                        "actor_user_id": people.get(e.actor_user_id, e.actor_user_id) if e.actor_user_id else None,
                        "actor_organisation_id": (
                            uuid.UUID(request.matches[str(e.actor_organisation_id)])
                            if str(e.actor_organisation_id) in request.matches
                            else None
                        ),
                        "actor_role": e.actor_role,
                        "subject_type": "referral",
                        "subject_id": new_ids[e.subject_id],  # type: ignore[index]
                        "details": e.details,
                    }
                    for e in timeline
                ],
            )
        for referral in moving:
            step = record(
                session,
                receiving.id,
                RECEIVED,
                subject_type="referral",
                subject_id=new_ids[referral.id],
                details={
                    "from_scheme": str(giving.id),
                    "former_reference": referral.reference,
                    "handover": str(request.id),
                },
            )
            step.id = new_id()
            jobs.collect(session, jobs.HANDOFF, receiving.id, step.id)
        stayed = [{"reference": p.referral.reference or "", "reason": p.reason} for p in plans if p.reason is not None]
        counts = {"moved": len(moved), "stayed": len(stayed), "operator": str(operator_id)}
        record(session, receiving.id, DONE, subject_type="cohort_handover", subject_id=request.id, details=counts)
        await session.flush()

        # Back in the giving scheme: each original ends, saying where it went.
        await scope_to_tenant(session, giving.id)
        for referral, line in zip(moving, moved, strict=True):
            await session.execute(
                update(Referral)
                .where(Referral.tenant_id == giving.id, Referral.id == referral.id)
                .values(
                    state=State.handed_on,
                    ended_at=referral.ended_at or now,
                    note=f"Handed to {receiving.name} as {line['to_reference']}.",
                    version=Referral.version + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            record(
                session,
                giving.id,
                HANDED_ON,
                subject_type="referral",
                subject_id=referral.id,
                details={
                    "to_scheme": str(receiving.id),
                    "to_reference": line["to_reference"],
                    "handover": str(request.id),
                },
            )
        record(session, giving.id, DONE, subject_type="cohort_handover", subject_id=request.id, details=counts)
        await session.flush()
        request.state = HandoverState.done
        request.done_by, request.done_at = operator_id, now
        request.report = {
            "moved": moved,
            "stayed": stayed,
            "balances": {"from": giving_balances, "to": receiving_balances},
        }
        await session.flush()
    return request
