"""What the nominating officer's pages read: their agency's referrals, and what a referral's questions offer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.models import Membership, Role, User, UserStatus
from reciprocal.identity.services import Actor
from reciprocal.partners.models import Organisation, OrganisationKind
from reciprocal.referrals.models import MonitoringAnswers, Referral
from reciprocal.referrals.services import visible_to
from reciprocal.tenancy.models import Area


async def agency_referrals(db: AsyncSession, actor: Actor) -> list[Referral]:
    """Every referral of the officer's agency, most recently changed first."""
    if actor.role != Role.nominating_officer:
        return []
    return list(
        await db.scalars(
            select(Referral)
            .where(Referral.tenant_id == actor.tenant_id, visible_to(actor))
            .order_by(Referral.updated_at.desc())
        )
    )


async def monitoring_of(db: AsyncSession, referral: Referral) -> dict[str, str]:
    """The referral's equality and monitoring answers: for its nominating officer and reporting only."""
    answers = await db.scalar(
        select(MonitoringAnswers.answers).where(
            MonitoringAnswers.tenant_id == referral.tenant_id, MonitoringAnswers.referral_id == referral.id
        )
    )
    return {str(k): str(v) for k, v in (answers or {}).items()}


@dataclass(frozen=True)
class Choice:
    id: uuid.UUID
    label: str


@dataclass(frozen=True)
class ReferralChoices:
    """What a referral's questions offer to choose from, all of this scheme's own."""

    areas: list[Choice]
    landlords: list[Choice]
    """Housing partners (councils and housing associations): a current landlord is one of them."""
    risk_assessors: list[Choice]
    """Users holding the risk assessor role, labelled with their organisation."""


async def referral_choices(db: AsyncSession, tenant_id: uuid.UUID) -> ReferralChoices:
    areas = await db.execute(select(Area.id, Area.name).where(Area.tenant_id == tenant_id).order_by(Area.name))
    landlords = await db.execute(
        select(Organisation.id, Organisation.name)
        .where(
            Organisation.tenant_id == tenant_id,
            Organisation.kind.in_([OrganisationKind.council, OrganisationKind.housing_association]),
        )
        .order_by(Organisation.name)
    )
    assessors = await db.execute(
        select(User.id, User.display_name, Organisation.name)
        .join(Membership, (Membership.tenant_id == User.tenant_id) & (Membership.user_id == User.id))
        .join(
            Organisation,
            (Organisation.tenant_id == Membership.tenant_id) & (Organisation.id == Membership.organisation_id),
        )
        .where(
            User.tenant_id == tenant_id,
            Membership.role == Role.risk_assessor,
            User.status != UserStatus.suspended,
        )
        .order_by(User.display_name, Organisation.name)
    )
    seen: dict[uuid.UUID, Choice] = {}
    for user_id, name, organisation in assessors:
        seen.setdefault(user_id, Choice(user_id, f"{name}, {organisation}"))
    return ReferralChoices(
        areas=[Choice(i, name) for i, name in areas],
        landlords=[Choice(i, name) for i, name in landlords],
        risk_assessors=list(seen.values()),
    )
