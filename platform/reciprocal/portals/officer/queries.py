"""What the nominating officer's pages read: the referrals they hold in hand, every one a page at a time, and what
a referral's questions offer."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.db import keyset
from reciprocal.identity.models import Membership, Role, User, UserStatus
from reciprocal.identity.services import Actor
from reciprocal.partners.models import Organisation, OrganisationKind
from reciprocal.referrals.models import IN_HAND, LIVE_OFFER_STATES, MonitoringAnswers, Offer, Referral
from reciprocal.referrals.services import visible_to
from reciprocal.referrals.workflow import State
from reciprocal.tenancy.models import Area

HOME_SHOWN = 50
"""The most referrals the home lists, most recently changed first; the rest are on the page of all of them."""

PAGE_SIZE = 25

NEWEST_FIRST = keyset.Order(
    (Referral.created_at, Referral.id), (keyset.parse_datetime, keyset.PARSE_ID), descending=True
)
"""The page of all the referrals the officer holds: newest started first, from ix_referrals_officer_created."""


def in_states(states: Iterable[State]) -> ColumnElement[bool]:
    """`Referral.state` among `states`, written out in the SQL: a partial index on these states then serves it
    (a bound parameter could hold any state, so the planner could not use one)."""
    return Referral.state.in_([literal_column(f"'{State(s).value}'") for s in states])


@dataclass(frozen=True)
class InHand:
    referrals: list[Referral]
    """Up to HOME_SHOWN, most recently changed first."""
    more: bool
    """Further referrals in hand than the home lists."""
    standing: dict[uuid.UUID, int] = field(default_factory=dict)
    """Offers standing side by side for each circulating referral listed: the officer's to review and choose."""


async def referrals_in_hand(db: AsyncSession, actor: Actor) -> InHand:
    """The referrals the officer holds in hand (a draft, or on its way), most recently changed first: what the home
    lists, from ix_referrals_officer_in_hand. Ended ones are on the page of them all."""
    if actor.role != Role.nominating_officer:
        return InHand([], more=False)
    found = list(
        await db.scalars(
            select(Referral)
            .where(Referral.tenant_id == actor.tenant_id, visible_to(actor), in_states(IN_HAND))
            .order_by(Referral.updated_at.desc(), Referral.id.desc())
            .limit(HOME_SHOWN + 1)
        )
    )
    shown = found[:HOME_SHOWN]
    circulating = [r.id for r in shown if r.state == State.circulating]
    standing: dict[uuid.UUID, int] = {}
    if circulating:
        # At most HOME_SHOWN referrals' live offers, by ix_offers_referral: never the agency's history.
        live = Offer.state.in_([literal_column(f"'{s.value}'") for s in LIVE_OFFER_STATES])
        rows = await db.execute(
            select(Offer.referral_id, func.count())
            .where(Offer.tenant_id == actor.tenant_id, Offer.referral_id.in_(circulating), live)
            .group_by(Offer.referral_id)
        )
        standing = {referral_id: n for referral_id, n in rows}
    return InHand(shown, more=len(found) > HOME_SHOWN, standing=standing)


@dataclass(frozen=True)
class AgencyReferral:
    id: uuid.UUID
    reference: str | None
    state: State
    case_reference: str
    created_at: datetime

    def key(self) -> keyset.Key:
        return (keyset.as_text(self.created_at), str(self.id))


async def agency_referrals(
    db: AsyncSession, actor: Actor, *, state: State | None, after: str | None, before: str | None
) -> keyset.Page[AgencyReferral]:
    """One page of every referral the officer holds, in any state (or in `state`), newest first."""
    if actor.role != Role.nominating_officer:
        return keyset.Page([], None, None)
    query = select(
        Referral.id, Referral.reference, Referral.state, Referral.officer_case_reference, Referral.created_at
    ).where(Referral.tenant_id == actor.tenant_id, visible_to(actor))
    if state is not None:
        query = query.where(Referral.state == state)
    paged, reading = keyset.paged(query, NEWEST_FIRST, after=after, before=before, size=PAGE_SIZE)
    rows = [AgencyReferral(i, ref, st, case or "", at) for i, ref, st, case, at in await db.execute(paged)]
    return keyset.page_of(rows, AgencyReferral.key, size=PAGE_SIZE, reading=reading)


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
