"""A named lead's history: the approvals their organisation gave its tenants' referrals and the offers it made,
with what became of each, newest first, a page at a time.

Only the reference, dates and the organisation's own part: no household, no officer, no monitoring answers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.db import keyset
from reciprocal.identity.services import Actor
from reciprocal.kernel.dates import UK_TIME
from reciprocal.kernel.tables import Table
from reciprocal.referrals.models import Offer, OfferState, Referral
from reciprocal.referrals.offers import REFUSAL_REASONS
from reciprocal.referrals.workflow import Action
from reciprocal.tenancy.models import Area

PAGE_SIZE = 25
APPROVED, DECLINED = f"referral.{Action.approve.value}", f"referral.{Action.decline.value}"
OFFERED = "offer"

OUTCOMES = {
    OfferState.open: "Open: the coordinator will arrange a viewing",
    OfferState.viewing: "Viewing being arranged",
    OfferState.accepted: "Accepted: the move is to be confirmed",
    OfferState.refused: "Refused",
    OfferState.withdrawn: "Withdrawn",
    OfferState.released: "Released: the applicant chose another property",
    OfferState.moved: "The applicant moved in",
}


@dataclass(frozen=True)
class Entry:
    id: uuid.UUID
    at: datetime
    kind: str
    """APPROVED, DECLINED or OFFERED."""
    reference: str
    area: str | None
    bedrooms: int | None
    offer_state: OfferState | None
    refusal_reason: str | None

    def key(self) -> keyset.Key:
        return (keyset.as_text(self.at), str(self.id))

    @property
    def what(self) -> str:
        if self.kind == APPROVED:
            return "Approved its tenant's referral"
        if self.kind == DECLINED:
            return "Declined its tenant's referral"
        rooms = "studio" if self.bedrooms == 0 else f"{self.bedrooms}-bedroom home"
        return f"Offered a {rooms} in {self.area}"

    @property
    def became(self) -> str:
        if self.offer_state is None:
            return "Approved" if self.kind == APPROVED else "Declined: the nominating officer was told why"
        words = OUTCOMES[self.offer_state]
        if self.offer_state == OfferState.refused and self.refusal_reason in REFUSAL_REASONS:
            return f"{words}: {REFUSAL_REASONS[self.refusal_reason]}"
        return words


@dataclass(frozen=True)
class History:
    page: keyset.Page[Entry]
    table: Table


async def history(
    db: AsyncSession, actor: Actor, *, after: str | None, before: str | None, every: bool = False
) -> History:
    """The actor's organisation's approvals and offers, newest first (indexes ix_audit_events_decisions and
    ix_offers_organisation in migration 0011): one page, or `every` one for a download."""
    decisions = (
        select(
            AuditEvent.id.label("id"),
            AuditEvent.occurred_at.label("at"),
            AuditEvent.action.label("kind"),
            Referral.reference.label("reference"),
            literal(None, String).label("area"),
            literal(None, Integer).label("bedrooms"),
            literal(None, String).label("offer_state"),
            literal(None, String).label("refusal_reason"),
        )
        .join(Referral, (Referral.tenant_id == AuditEvent.tenant_id) & (Referral.id == AuditEvent.subject_id))
        .where(
            AuditEvent.tenant_id == actor.tenant_id,
            AuditEvent.actor_organisation_id == actor.organisation_id,
            AuditEvent.action.in_((APPROVED, DECLINED)),
            AuditEvent.subject_type == "referral",
        )
    )
    offers = (
        select(
            Offer.id.label("id"),
            Offer.created_at.label("at"),
            literal(OFFERED, String).label("kind"),
            Referral.reference.label("reference"),
            Area.name.label("area"),
            Offer.bedrooms.label("bedrooms"),
            Offer.state.label("offer_state"),
            Offer.refusal_reason.label("refusal_reason"),
        )
        .join(Referral, (Referral.tenant_id == Offer.tenant_id) & (Referral.id == Offer.referral_id))
        .join(Area, (Area.tenant_id == Offer.tenant_id) & (Area.id == Offer.area_id))
        .where(Offer.tenant_id == actor.tenant_id, Offer.organisation_id == actor.organisation_id)
    )
    both = union_all(decisions, offers).subquery()
    order = keyset.Order((both.c.at, both.c.id), (keyset.parse_datetime, keyset.PARSE_ID), descending=True)
    size = keyset.EVERY if every else PAGE_SIZE
    query, reading = keyset.paged(select(both), order, after=after, before=before, size=size)
    rows = [
        Entry(
            row.id,
            row.at,
            row.kind,
            row.reference or "",
            row.area,
            row.bedrooms,
            OfferState(row.offer_state) if row.offer_state else None,
            row.refusal_reason,
        )
        for row in await db.execute(query)
    ]
    page = keyset.page_of(rows, Entry.key, size=size, reading=reading)
    table = Table(
        name="history",
        title="Approvals and offers",
        columns=("Date", "Reference", "What you did", "What became of it"),
        rows=[(e.at.astimezone(UK_TIME).date(), e.reference, e.what, e.became) for e in page.rows],
    )
    return History(page, table)
