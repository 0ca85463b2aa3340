"""Messages on a referral: short threads between the people working on it, each seen only by those it is between.

A referral has one thread between its nominating officer and the coordinator (`partner_id` None), which never
reaches a partner, and, for each housing partner the coordinator has linked to the officer (an offer of theirs
with a viewing arranged, offers.arrange_viewing), one between that partner's named leads, the coordinator and the
officer. Every message is free text checked like any other (kernel.text): nothing that identifies the applicant.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Enum, Index, Text, Uuid, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reciprocal.audit.services import record
from reciprocal.db.base import Base, TenantOwned, new_id, tenant_fk
from reciprocal.identity.models import Role, User
from reciprocal.identity.services import Actor
from reciprocal.jobs import services as jobs
from reciprocal.kernel import clock
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.text import text_problem
from reciprocal.partners.models import Organisation
from reciprocal.referrals.models import LIVE_OFFER_STATES, Offer, Referral
from reciprocal.referrals.services import InvalidReferral, ReferralNotFound, get_referral
from reciprocal.referrals.workflow import State

MESSAGE_LIMIT = 1000
"""The longest message: a few lines, never a document pasted in."""
SHOWN = 50
"""A thread's page shows its latest messages, this many: its cost does not grow with the thread."""
SENT = "referral.message_sent"
"""Audit event of a message sent: its id and its thread's partner (or none); never what it says."""
FIELD = "message"


class ReferralMessage(TenantOwned, Base):
    """One message in one of a referral's threads."""

    __tablename__ = "referral_messages"
    __table_args__ = (
        tenant_fk(["referral_id"], "referrals"),
        tenant_fk(["partner_id"], "organisations"),
        tenant_fk(["author_id"], "users"),
        # A thread's latest messages, newest first (0019).
        Index("ix_referral_messages_thread", "tenant_id", "referral_id", "partner_id", "sent_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    referral_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    """The housing partner whose named leads the thread is with; None for the officer's with the coordinator."""
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    author_role: Mapped[Role] = mapped_column(Enum(Role, name="role", native_enum=False, length=40))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.stamp)


@dataclass(frozen=True)
class Thread:
    """One thread of a referral as one person may see it."""

    partner_id: uuid.UUID | None
    partner: str | None
    """The partner's name, for a partner's thread."""
    messages: list[Message]
    """The latest SHOWN, oldest first."""
    earlier: bool
    """There are earlier messages than these."""

    @property
    def key(self) -> str:
        """The thread as a form names it: "officer", or the partner's id."""
        return "officer" if self.partner_id is None else str(self.partner_id)


@dataclass(frozen=True)
class Message:
    author: str
    role: Role
    organisation: str | None
    body: str
    sent_at: datetime


MESSAGING_STATES = frozenset(State) - {State.draft}
"""A draft is its officer's alone: its threads open once it is submitted."""


async def linked_partners(db: AsyncSession, referral: Referral) -> dict[uuid.UUID, tuple[str, bool]]:
    """The partners the coordinator has linked to the officer on this referral (a viewing arranged on an offer
    of theirs): each has a thread. By id, their name and whether that offer is still live."""
    live = func.bool_or(Offer.state.in_(LIVE_OFFER_STATES))
    rows = await db.execute(
        select(Organisation.id, Organisation.name, live)
        .join(Offer, (Offer.tenant_id == Organisation.tenant_id) & (Offer.organisation_id == Organisation.id))
        .where(
            Offer.tenant_id == referral.tenant_id,
            Offer.referral_id == referral.id,
            Offer.linked_at.is_not(None),
        )
        .group_by(Organisation.id, Organisation.name)
    )
    return {partner: (name, bool(open_)) for partner, name, open_ in rows}


def _threads_of(actor: Actor, linked: dict[uuid.UUID, tuple[str, bool]]) -> list[tuple[uuid.UUID | None, str | None]]:
    """The threads `actor` is a party to, on a referral they may see: (partner id, partner name) each.

    The officer and the coordinator are party to every partner's thread, its offer live or not. A named lead is
    party to their own organisation's only while its linked offer is live: as the officer's contact is shown to
    them (offers.officer_contact on their page), and no longer once the offer has ended.
    """
    partners = sorted(((partner, name) for partner, (name, _) in linked.items()), key=lambda item: item[1])
    if actor.role in (Role.coordinator, Role.nominating_officer):
        return [(None, None), *partners]
    own = linked.get(actor.organisation_id)
    if actor.role == Role.named_lead and own is not None and own[1]:
        return [(actor.organisation_id, own[0])]
    return []


async def _referral_for(db: AsyncSession, actor: Actor, referral_id: uuid.UUID, *, for_update: bool) -> Referral:
    referral = await get_referral(db, actor, referral_id, for_update=for_update)
    if referral.state not in MESSAGING_STATES:
        raise ReferralNotFound
    return referral


async def threads(db: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> tuple[Referral, list[Thread]]:
    """The referral and the threads `actor` is a party to, each with its latest messages. ReferralNotFound when
    they may not see the referral or are party to none of its threads (a named lead not linked)."""
    referral = await _referral_for(db, actor, referral_id, for_update=False)
    mine = _threads_of(actor, await linked_partners(db, referral))
    if not mine:
        raise ReferralNotFound
    agency = await db.scalar(
        select(Organisation.name).where(
            Organisation.tenant_id == referral.tenant_id, Organisation.id == referral.agency_id
        )
    )
    found = []
    for partner_id, partner in mine:
        # Each author's organisation is their side of the thread: the officer's agency, or the partner's own.
        organisation = {Role.nominating_officer: agency, Role.named_lead: partner}
        rows = await db.execute(
            select(ReferralMessage.body, ReferralMessage.sent_at, ReferralMessage.author_role, User.display_name)
            .join(User, (User.tenant_id == ReferralMessage.tenant_id) & (User.id == ReferralMessage.author_id))
            .where(
                ReferralMessage.tenant_id == referral.tenant_id,
                ReferralMessage.referral_id == referral.id,
                ReferralMessage.partner_id.is_(None)
                if partner_id is None
                else ReferralMessage.partner_id == partner_id,
            )
            .order_by(ReferralMessage.sent_at.desc(), ReferralMessage.id.desc())
            .limit(SHOWN + 1)
        )
        latest = [
            Message(author=name, role=role, organisation=organisation.get(role), body=body, sent_at=sent_at)
            for body, sent_at, role, name in rows
        ]
        found.append(Thread(partner_id, partner, list(reversed(latest[:SHOWN])), earlier=len(latest) > SHOWN))
    return referral, found


def thread_field(value: str) -> uuid.UUID | str | None:
    """The form's thread: None for the officer's with the coordinator, a partner's id, or the text itself when it
    is neither (refused by `send`)."""
    if value == "officer":
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return value


def message_problem(text: str) -> str | None:
    """What is wrong with a message as typed (stripped), or None: missing, too long, or identifying."""
    if not text:
        return "Enter your message"
    return text_problem(
        text,
        limit=MESSAGE_LIMIT,
        too_long=f"Keep the message to {MESSAGE_LIMIT} characters or fewer",
        identifying="messages must not identify the applicant",
    )


async def send(
    db: AsyncSession, actor: Actor, referral_id: uuid.UUID, thread: uuid.UUID | str | None, body: str
) -> ReferralMessage:
    """Add `actor`'s message to one of the referral's threads they are party to: checked for identifying
    details and length (a field error, nothing saved), audited by ids, and its other parties told."""
    referral = await _referral_for(db, actor, referral_id, for_update=False)
    mine = {partner_id for partner_id, _ in _threads_of(actor, await linked_partners(db, referral))}
    if isinstance(thread, str) or thread not in mine:
        if not mine:
            raise ReferralNotFound
        raise Refused("That conversation is not one you are part of: choose one on this page.")
    text = body.strip()
    problem = message_problem(text)
    if problem:
        raise InvalidReferral([(FIELD, problem)])
    message = ReferralMessage(
        tenant_id=referral.tenant_id,
        referral_id=referral.id,
        partner_id=thread,
        author_id=actor.user_id,
        author_role=actor.role,
        body=text,
    )
    db.add(message)
    await db.flush()
    event = record(
        db,
        referral.tenant_id,
        SENT,
        actor=actor,
        subject_type="referral",
        subject_id=referral.id,
        details={"message": str(message.id), "partner": str(thread) if thread else ""},
    )
    # Its other parties are told by the worker once this commits (notifications.handoffs).
    event.id = new_id()
    jobs.collect(db, jobs.HANDOFF, referral.tenant_id, event.id)
    return message


async def message_bodies(db: AsyncSession, referral: Referral, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """What the messages `ids` of `referral` say, for the coordinator's timeline (they are party to every thread)."""
    if not ids:
        return {}
    rows = await db.execute(
        select(ReferralMessage.id, ReferralMessage.body).where(
            ReferralMessage.tenant_id == referral.tenant_id,
            ReferralMessage.referral_id == referral.id,
            ReferralMessage.id.in_(ids),
        )
    )
    return {key: value for key, value in rows}
