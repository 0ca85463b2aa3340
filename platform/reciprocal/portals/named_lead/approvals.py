"""What the landlord's named lead reads of its own tenants' referrals: those waiting for its approval, in full,
and afterwards only the outcome of its decision."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.identity.models import User
from reciprocal.identity.services import Actor
from reciprocal.kernel import clock
from reciprocal.partners.models import Organisation
from reciprocal.portals.named_lead.views import (
    Household,
    Outcome,
    area_names,
    household_of,
)
from reciprocal.referrals.circulation import places
from reciprocal.referrals.models import Referral
from reciprocal.referrals.rules import Problem, check
from reciprocal.referrals.services import ReferralNotFound, answers_of, criteria_of, get_referral
from reciprocal.referrals.workflow import State, describe

REQUEST_APPROVAL = "referral.request_approval"
"""Audit event of the coordinator sending a referral for its landlord's approval: days waiting count from it."""

APPROVAL_OUTCOMES = {
    State.approved: "Approved. The coordinator will circulate this referral to partners with the next batch.",
    State.declined: "Declined. The nominating officer has been told why",
    State.withdrawn: "This referral was withdrawn.",
}
APPROVED_EARLIER = "You approved this referral. It is with the coordinator and the housing partners now."


@dataclass(frozen=True)
class ApprovalReferral:
    """A referral of the landlord's own tenant, as the coordinator sees it, less the monitoring answers and
    the officer's own case reference."""

    id: uuid.UUID
    reference: str
    version: int
    state: State
    submitted_at: datetime | None
    waiting_since: datetime | None
    agency_name: str
    tenancy: str
    current_area: str
    household: Household
    risk_label: str
    risk_areas: list[str]
    safe_areas: list[str]
    risk_assessor: str | None
    safeguarding_measures: str
    resettlement_support: str
    consent: bool
    criteria_version: int | None
    problems: list[Problem]
    """The criteria check, as it stands: empty when the referral meets the criteria it was made under."""

    @property
    def status(self) -> str:
        return describe(self.state)

    @property
    def days_waiting(self) -> int | None:
        return (clock.now() - self.waiting_since).days if self.waiting_since else None


def _waiting_since() -> ColumnElement[datetime]:
    """When a referral was last sent for its landlord's approval, from the audit trail."""
    return (
        select(func.max(AuditEvent.occurred_at))
        .where(
            AuditEvent.tenant_id == Referral.tenant_id,
            AuditEvent.subject_type == "referral",
            AuditEvent.subject_id == Referral.id,
            AuditEvent.action == REQUEST_APPROVAL,
        )
        .correlate(Referral)
        .scalar_subquery()
    )


async def approval_referral(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, area_term: str
) -> ApprovalReferral | Outcome:
    """A referral of the actor's organisation's tenant while it waits for their approval; afterwards only the
    outcome; ReferralNotFound for any other, circulated or not."""
    referral = await get_referral(db, actor, referral_id, for_update=False)
    if referral.current_landlord_id != actor.organisation_id or referral.reference is None:
        raise ReferralNotFound
    if referral.state not in (State.awaiting_approval,):
        message = APPROVAL_OUTCOMES.get(referral.state, APPROVED_EARLIER)
        if referral.state in (State.declined,):
            message = f"{message}: {referral.note}"
        return Outcome(referral.reference, "Your approval", message)
    named = await places(db, referral)
    shown = {*named.risk, *named.safe, *filter(None, [referral.current_area_id])}
    names = await area_names(db, actor.tenant_id, shown)
    agency = await db.scalar(
        select(Organisation.name).where(
            Organisation.tenant_id == referral.tenant_id, Organisation.id == referral.agency_id
        )
    )
    assessor = None
    if referral.risk_assessor_id is not None:
        assessor = await db.scalar(
            select(User.display_name).where(User.tenant_id == referral.tenant_id, User.id == referral.risk_assessor_id)
        )
    criteria = await criteria_of(db, referral)
    tenancy = "A duty to house is owed" if referral.duty_to_house else (referral.tenancy_type or "Not given")
    risk_label = referral.risk_type or "Not given"
    problems: list[Problem] = []
    if criteria is not None:
        tenancy = next((t.label for t in criteria.eligibility.tenancy_types if t.key == tenancy), tenancy)
        risk_label = next((r.label for r in criteria.risk_types if r.key == referral.risk_type), risk_label)
        problems = check(await answers_of(db, referral), criteria, area_term)
    waiting_since = await db.scalar(
        select(_waiting_since()).where(Referral.tenant_id == referral.tenant_id, Referral.id == referral.id)
    )
    return ApprovalReferral(
        id=referral.id,
        reference=referral.reference,
        version=referral.version,
        state=referral.state,
        submitted_at=referral.submitted_at,
        waiting_since=waiting_since if referral.state == State.awaiting_approval else None,
        agency_name=agency or "",
        tenancy=tenancy,
        current_area=names.get(referral.current_area_id, "") if referral.current_area_id else "",
        household=household_of(referral),
        risk_label=risk_label,
        risk_areas=sorted(names[a] for a in named.risk),
        safe_areas=sorted(names[a] for a in named.safe),
        risk_assessor=assessor,
        safeguarding_measures=referral.safeguarding_measures,
        resettlement_support=referral.resettlement_support,
        consent=referral.consent,
        criteria_version=referral.criteria_version,
        problems=problems,
    )


@dataclass(frozen=True)
class Waiting:
    """A referral waiting for the landlord's approval."""

    id: uuid.UUID
    reference: str
    since: datetime
    bedrooms_needed: int | None

    @property
    def days(self) -> int:
        return (clock.now() - self.since).days


async def approvals_waiting(db: AsyncSession, actor: Actor) -> list[Waiting]:
    """The actor's organisation's tenants' referrals waiting for its approval, oldest first."""
    since = func.coalesce(_waiting_since(), Referral.updated_at)
    rows = await db.execute(
        select(Referral.id, Referral.reference, since, Referral.bedrooms_needed)
        .where(
            Referral.tenant_id == actor.tenant_id,
            Referral.current_landlord_id == actor.organisation_id,
            Referral.state == State.awaiting_approval,
        )
        .order_by(since, Referral.reference)
    )
    return [Waiting(rid, reference or "", when, bedrooms) for rid, reference, when, bedrooms in rows]
