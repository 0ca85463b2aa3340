"""What the named lead's pages read: their home and work lists, and a referral as a partner may see it.

Every view here is built field by field into a plain dataclass, never handed over as a Referral row: a
template cannot show what it is not given, so the officer's case reference, the officer and the monitoring
answers never reach a partner's page however its template changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.criteria.services import current_criteria
from reciprocal.identity.services import Actor
from reciprocal.kernel import clock
from reciprocal.ledger.services import Balance, balances
from reciprocal.portals.named_lead.approvals import Waiting, approvals_waiting
from reciprocal.portals.named_lead.views import (
    HOUSEHOLD_COLUMNS,
    AreaChoice,
    Household,
    Outcome,
    area_choices,
    area_names,
    household_of,
    risk_label,
)
from reciprocal.referrals.circulation import (
    CIRCULATED,
    areas_covered,
    places,
    reachable,
    reachable_areas,
    reaches,
    taking_new,
)
from reciprocal.referrals.models import LIVE_OFFER_STATES, Offer, OfferState, Referral
from reciprocal.referrals.offers import ALREADY_OFFERED, Contact, officer_contact
from reciprocal.referrals.pauses import Pause, pause_for
from reciprocal.referrals.services import HOME_VIEWED, VIEWED, ReferralNotFound, get_referral
from reciprocal.referrals.workflow import State
from reciprocal.tenancy.models import Area

OFFER_STAGES = {
    OfferState.open: "Offered: the coordinator will arrange a viewing",
    OfferState.viewing: "Viewing being arranged",
    OfferState.accepted: "Accepted: the move is to be confirmed",
}
REVIEWING = "Offered: the nominating officer is reviewing the offers with the applicant"
"""An open offer standing beside others (offers.make_offer), before the nominating officer chooses one."""


# --- what a referral shows a partner ----------------------------------------------------------------------


@dataclass(frozen=True)
class OwnOffer:
    """The property this partner has offered to the referral, while the offer is live."""

    area_name: str
    bedrooms: int
    available_from: date
    stage: str
    officer: Contact | None = None
    """The nominating officer's work contact, once the coordinator has linked you."""


@dataclass(frozen=True)
class CirculatedReferral:
    """A circulated referral, anonymised, as one partner sees it."""

    id: uuid.UUID
    reference: str
    version: int
    state: State
    circulated_at: datetime | None
    household: Household
    areas: list[AreaChoice]
    """The referral's safe areas this partner covers (for one naming none: its covered areas outside the
    risk areas). The only areas it sees, and the only ones it may offer in."""
    risk_label: str | None
    """The risk type, only where the criteria need a risk assessment for it."""
    own_offer: OwnOffer | None

    @property
    def open_for_offers(self) -> bool:
        """Open to this partner: circulating, and not yet holding its own offer (offers may stand side by side)."""
        return self.state == State.circulating and self.own_offer is None


async def circulated_referral(db: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> CirculatedReferral | Outcome:
    """A referral circulating to the actor's organisation, or holding its live offer, anonymised; only what
    became of its offer once that ended; ReferralNotFound otherwise."""
    referral = await get_referral(db, actor, referral_id, for_update=False)
    if referral.state not in CIRCULATED or referral.reference is None:
        raise ReferralNotFound
    where = reachable(await areas_covered(db, actor.tenant_id, actor.organisation_id), await places(db, referral))
    if not where:
        # Their own tenant's referral, circulated elsewhere: it is on the approval page, not here.
        raise ReferralNotFound
    latest = await db.scalar(
        select(Offer)
        .where(
            Offer.tenant_id == referral.tenant_id,
            Offer.referral_id == referral.id,
            Offer.organisation_id == actor.organisation_id,
        )
        .order_by(Offer.created_at.desc())
        .limit(1)
    )
    offer = latest if latest is not None and latest.state in LIVE_OFFER_STATES else None
    if referral.state != State.circulating and offer is None:
        # Their part is over (or another partner's offer holds it): what became of it, nothing more.
        if latest is not None:
            return Outcome(referral.reference, "Your offer", OFFER_OUTCOMES[latest.state])
        held = referral.state in (State.offer_made, State.viewing, State.accepted)
        return Outcome(referral.reference, "Offers", f"{NO_LONGER_OPEN} {ALREADY_OFFERED}" if held else NO_LONGER_OPEN)
    names = await area_names(db, actor.tenant_id, where | ({offer.area_id} if offer else set()))
    return CirculatedReferral(
        id=referral.id,
        reference=referral.reference,
        version=referral.version,
        state=referral.state,
        circulated_at=referral.circulated_at,
        household=household_of(referral),
        areas=area_choices(names, where),
        risk_label=await risk_label(db, referral, only_if_assessment_needed=True),
        own_offer=(
            OwnOffer(
                names[offer.area_id],
                offer.bedrooms,
                offer.available_from,
                REVIEWING if referral.state == State.circulating else OFFER_STAGES[offer.state],
                await officer_contact(db, referral, offer),
            )
            if offer
            else None
        ),
    )


@dataclass(frozen=True)
class CirculatedSummary:
    """One line of a list of referrals open for offers."""

    id: uuid.UUID
    reference: str
    circulated_at: datetime | None
    household: Household
    area_names: list[str]


async def open_for_offers(db: AsyncSession, actor: Actor) -> list[CirculatedSummary]:
    """Referrals circulating to the actor's organisation now, open for offers, newest first: one statement, the
    areas where the partner may house each applicant named in it (circulation.reachable_areas). None while the
    organisation has paused new circulations (its offers made go on: open_offers)."""
    tenant_id, organisation_id = actor.tenant_id, actor.organisation_id
    where = (
        select(func.array_agg(aggregate_order_by(Area.name, Area.name)))
        .where(Area.tenant_id == tenant_id, Area.id.in_(reachable_areas(tenant_id, organisation_id)))
        .scalar_subquery()
    )
    rows = await db.execute(
        select(Referral.id, Referral.reference, Referral.circulated_at, *HOUSEHOLD_COLUMNS, where.label("where"))
        .where(
            Referral.tenant_id == tenant_id,
            Referral.state == State.circulating,
            Referral.reference.is_not(None),
            reaches(tenant_id, organisation_id),
            taking_new(tenant_id, organisation_id),
        )
        .order_by(Referral.circulated_at.desc(), Referral.reference)
    )
    return [
        CirculatedSummary(
            id=row.id,
            reference=row.reference or "",
            circulated_at=row.circulated_at,
            household=household_of(row),
            area_names=list(row.where),
        )
        for row in rows
        if row.where
    ]


NO_LONGER_OPEN = "This referral is no longer open for offers."

OFFER_OUTCOMES = {
    OfferState.moved: "The applicant moved into this property.",
    OfferState.refused: "The applicant did not take this property up.",
    OfferState.withdrawn: "This offer was withdrawn.",
    OfferState.released: "The applicant chose another property: this offer is released.",
}


# --- offers made ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenOffer:
    referral_id: uuid.UUID
    reference: str
    area_name: str
    bedrooms: int
    offered_on: datetime
    state: OfferState

    @property
    def stage(self) -> str:
        return OFFER_STAGES[self.state]


async def open_offers(db: AsyncSession, actor: Actor) -> list[OpenOffer]:
    """The live offers of the actor's organisation, oldest first."""
    rows = await db.execute(
        select(Offer.referral_id, Referral.reference, Area.name, Offer.bedrooms, Offer.created_at, Offer.state)
        .join(Referral, (Referral.tenant_id == Offer.tenant_id) & (Referral.id == Offer.referral_id))
        .join(Area, (Area.tenant_id == Offer.tenant_id) & (Area.id == Offer.area_id))
        .where(
            Offer.tenant_id == actor.tenant_id,
            Offer.organisation_id == actor.organisation_id,
            Offer.state.in_(LIVE_OFFER_STATES),
        )
        .order_by(Offer.created_at)
    )
    return [OpenOffer(rid, ref or "", area, beds, when, state) for rid, ref, area, beds, when, state in rows]


# --- reading is audited -----------------------------------------------------------------------------------


async def last_home_visit(db: AsyncSession, actor: Actor) -> datetime | None:
    """When this person last opened their named lead home for this organisation: the newest entry of
    ix_audit_events_home_visits, not every visit they ever made. (The action is written out in the SQL, so the
    planner may use that partial index whatever plan it keeps for the statement.)"""
    return await db.scalar(
        select(AuditEvent.occurred_at)
        .where(
            AuditEvent.tenant_id == actor.tenant_id,
            AuditEvent.subject_type == "user",
            AuditEvent.subject_id == actor.user_id,
            AuditEvent.action == literal_column(f"'{HOME_VIEWED}'"),
            AuditEvent.actor_organisation_id == actor.organisation_id,
        )
        .order_by(AuditEvent.occurred_at.desc())
        .limit(1)
    )


async def opened_by(db: AsyncSession, actor: Actor, referral_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When this person last opened each of these referrals (those they never opened are absent)."""
    if not referral_ids:
        return {}
    rows = await db.execute(
        select(AuditEvent.subject_id, func.max(AuditEvent.occurred_at))
        .where(
            AuditEvent.tenant_id == actor.tenant_id,
            AuditEvent.subject_type == "referral",
            AuditEvent.subject_id.in_(referral_ids),
            AuditEvent.action == VIEWED,
            AuditEvent.actor_user_id == actor.user_id,
        )
        .group_by(AuditEvent.subject_id)
    )
    return {referral_id: at for referral_id, at in rows if referral_id is not None}


NEW_FOR = timedelta(days=7)
"""A referral circulated to a named lead stays new until they open it, or for this long."""


def _new(referral: CirculatedSummary, opened: dict[uuid.UUID, datetime], since: datetime) -> bool:
    circulated = referral.circulated_at
    if circulated is None or circulated <= since:
        return False
    last_opened = opened.get(referral.id)
    return last_opened is None or last_opened < circulated


# --- the named lead's home --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedLeadHome:
    """What needs a named lead now: approvals, new referrals for their areas, offers, and the balance."""

    approvals: list[Waiting]
    new_referrals: list[CirculatedSummary]
    """Circulated to their organisation in the last week (NEW_FOR) and not opened by this person since: a
    reload of the home does not empty it, opening the referral does."""
    open_count: int
    """Every referral circulating to their organisation now."""
    last_visit: datetime | None
    offers: list[OpenOffer]
    balances: list[Balance]
    debt_cap: int | None
    pause: Pause | None
    """The organisation's pause of new circulations, while it lasts."""

    @property
    def net(self) -> int:
        return sum(b.net for b in self.balances)


async def named_lead_home(db: AsyncSession, actor: Actor) -> NamedLeadHome:
    """The named lead's home: what is new for them (the page records this visit)."""
    last_visit = await last_home_visit(db, actor)
    everything = await open_for_offers(db, actor)
    published = await current_criteria(db, actor.tenant_id)
    since = clock.now() - NEW_FOR
    opened = await opened_by(db, actor, [r.id for r in everything if r.circulated_at and r.circulated_at > since])
    return NamedLeadHome(
        approvals=await approvals_waiting(db, actor),
        new_referrals=[r for r in everything if _new(r, opened, since)],
        open_count=len(everything),
        last_visit=last_visit,
        offers=await open_offers(db, actor),
        balances=await balances(db, actor.tenant_id, partner_id=actor.organisation_id),
        debt_cap=published.criteria.partner_debt_cap if published else None,
        pause=await pause_for(db, actor.tenant_id, actor.organisation_id),
    )
