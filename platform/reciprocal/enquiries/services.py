"""Enquiries: the public checker's answers and the coordinator's log of phone and email enquiries, the funnel's
first number. Nothing about the client or the person asking is kept: a risk type, a kind of agency, an outcome."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.criteria.schemas import Criteria
from reciprocal.db import keyset
from reciprocal.enquiries.models import Channel, Enquiry
from reciprocal.identity.models import User
from reciprocal.identity.services import Actor
from reciprocal.kernel import clock
from reciprocal.kernel.dates import UK_TIME
from reciprocal.kernel.errors import Refused

log = structlog.get_logger(__name__)

AGENCY_KINDS: dict[str, str] = {
    "refuge": "Refuge or domestic abuse service",
    "police": "Police",
    "probation": "Probation",
    "youth_offending": "Youth offending service",
    "social_care": "Social care",
    "housing_officer": "Housing officer",
    "other": "Other agency",
}
"""Who asks: the referring agencies the toolkit names (keys are kept, words shown)."""

OUTCOMES: dict[str, str] = {
    "likely_eligible": "Referral likely eligible",
    "advice_given": "Advice given",
    "referred_elsewhere": "Referred elsewhere",
    "not_eligible": "Not eligible",
}
"""What an enquiry came to. The checker gives the first, second or fourth."""

CHANNEL_WORDS: dict[Channel, str] = {
    Channel.checker: "Online checker",
    Channel.phone: "Phone",
    Channel.email: "Email",
}

NOT_SAID = "not_said"
"""The log's answer for a risk type or kind of agency the person asking did not say."""
CHECKED = "enquiry.checked"
LOGGED = "enquiry.logged"
PAGE_SIZE = 50


def record_checker_enquiry(
    db: AsyncSession, tenant_id: uuid.UUID, criteria: Criteria, *, risk_type: str | None, outcome: str
) -> Enquiry:
    """One completed public check: anonymous, so no actor; only the risk type's key and the answer are kept."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    risk = criteria.risk_type(risk_type)
    enquiry = Enquiry(
        tenant_id=tenant_id,
        id=uuid.uuid4(),
        received_at=clock.stamp(),
        channel=Channel.checker,
        risk_type=risk.key if risk else None,
        outcome=outcome,
    )
    db.add(enquiry)
    record(
        db,
        tenant_id,
        CHECKED,
        subject_type="enquiry",
        subject_id=enquiry.id,
        details={"risk_type": enquiry.risk_type, "outcome": outcome},
    )
    log.info("enquiry.checked", outcome=outcome)
    return enquiry


@dataclass(frozen=True)
class LoggedEnquiry:
    """What the coordinator said of a phone or email enquiry, already read from the form."""

    received_on: date | None
    channel: str
    risk_type: str
    agency_kind: str
    outcome: str


def problems_of(entry: LoggedEnquiry, criteria: Criteria, today: date) -> list[tuple[str, str]]:
    """What is wrong with a logged enquiry: (form field id, what to do), empty when it can be saved."""
    found: list[tuple[str, str]] = []
    if entry.received_on is None:
        found.append(("received", "Enter the date the enquiry came in, with a day, month and year"))
    elif entry.received_on > today:
        found.append(("received", "The date the enquiry came in must be today or in the past"))
    if entry.channel not in (Channel.phone, Channel.email):
        found.append(("channel", "Select how the enquiry came in"))
    if entry.risk_type != NOT_SAID and criteria.risk_type(entry.risk_type) is None:
        found.append(("risk-type", "Select the risk the client faces, or Not said"))
    if entry.agency_kind not in AGENCY_KINDS and entry.agency_kind != NOT_SAID:
        found.append(("agency-kind", "Select the kind of agency that asked, or Not said"))
    if entry.outcome not in OUTCOMES:
        found.append(("outcome", "Select what the enquiry came to"))
    return found


async def log_enquiry(
    db: AsyncSession, actor: Actor, criteria: Criteria, entry: LoggedEnquiry, *, today: date
) -> Enquiry:
    """The coordinator logs an enquiry that came by phone or email; refused with the fields' problems."""
    problems = problems_of(entry, criteria, today)
    if problems or entry.received_on is None:
        raise Refused(problems=problems)
    now = clock.stamp()
    received = now if entry.received_on == now.astimezone(UK_TIME).date() else None
    enquiry = Enquiry(
        tenant_id=actor.tenant_id,
        id=uuid.uuid4(),
        received_at=received or datetime.combine(entry.received_on, time(12), UK_TIME),
        channel=Channel(entry.channel),
        risk_type=None if entry.risk_type == NOT_SAID else entry.risk_type,
        agency_kind=None if entry.agency_kind == NOT_SAID else entry.agency_kind,
        outcome=entry.outcome,
        logged_by_id=actor.user_id,
    )
    db.add(enquiry)
    record(
        db,
        actor.tenant_id,
        LOGGED,
        actor=actor,
        subject_type="enquiry",
        subject_id=enquiry.id,
        details={
            "channel": enquiry.channel.value,
            "risk_type": enquiry.risk_type,
            "agency_kind": enquiry.agency_kind,
            "outcome": enquiry.outcome,
        },
    )
    await db.flush()
    log.info("enquiry.logged", channel=enquiry.channel.value, outcome=enquiry.outcome)
    return enquiry


@dataclass(frozen=True)
class EnquiryRow:
    id: uuid.UUID
    received_at: datetime
    channel: Channel
    risk_type: str | None
    agency_kind: str | None
    outcome: str
    logged_by: str | None

    def key(self) -> keyset.Key:
        return (keyset.as_text(self.received_at), str(self.id))


NEWEST_FIRST = keyset.Order(
    (Enquiry.received_at, Enquiry.id), (keyset.parse_datetime, keyset.PARSE_ID), descending=True
)


async def recent_enquiries(
    db: AsyncSession, tenant_id: uuid.UUID, *, after: str | None, before: str | None, every: bool = False
) -> keyset.Page[EnquiryRow]:
    """The scheme's enquiries, newest first: a page from a cursor (db.keyset), or `every` one for a download."""
    query = (
        select(Enquiry, User.display_name)
        .outerjoin(User, (User.tenant_id == Enquiry.tenant_id) & (User.id == Enquiry.logged_by_id))
        .where(Enquiry.tenant_id == tenant_id)
    )
    size = keyset.EVERY if every else PAGE_SIZE
    query, reading = keyset.paged(query, NEWEST_FIRST, after=after, before=before, size=size)
    found = [
        EnquiryRow(e.id, e.received_at, e.channel, e.risk_type, e.agency_kind, e.outcome, name)
        for e, name in await db.execute(query)
    ]
    return keyset.page_of(found, EnquiryRow.key, size=size, reading=reading)
