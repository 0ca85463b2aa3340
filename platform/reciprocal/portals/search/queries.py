"""Referrals found by their reference, whole or its beginning, among those the person searching may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.db import keyset
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.portals.named_lead.approvals import REQUEST_APPROVAL
from reciprocal.referrals.circulation import CIRCULATED, reaches
from reciprocal.referrals.models import Referral
from reciprocal.referrals.services import visible_to
from reciprocal.referrals.workflow import State

PAGE_SIZE = 20
LONGEST = 30
"""A reference is at most this long (the column's length): anything longer finds nothing."""

NEWEST_FIRST = keyset.Order(
    (Referral.submitted_at, Referral.id), (keyset.parse_datetime, keyset.PARSE_ID), descending=True
)


def findable(actor: Actor) -> ColumnElement[bool]:
    """What the actor's pages show of a referral today, as SQL. A named lead's landlord sees its tenant's
    referral once asked to approve it (not while the coordinator still checks it); every other role, what
    referrals.services.visible_to lets it see."""
    if actor.role != Role.named_lead:
        seen: ColumnElement[bool] = visible_to(actor)
        return seen
    asked = (
        select(AuditEvent.id)
        .where(
            AuditEvent.tenant_id == Referral.tenant_id,
            AuditEvent.subject_type == "referral",
            AuditEvent.subject_id == Referral.id,
            AuditEvent.action == REQUEST_APPROVAL,
        )
        .exists()
    )
    return or_(
        and_(Referral.current_landlord_id == actor.organisation_id, asked),
        Referral.state.in_(CIRCULATED) & reaches(actor.tenant_id, actor.organisation_id),
    )


@dataclass(frozen=True)
class Found:
    id: uuid.UUID
    reference: str
    submitted_at: datetime | None
    own_tenant: bool
    """The named lead's own tenant's referral: its page is the approval's."""

    def key(self) -> keyset.Key:
        return (keyset.as_text(self.submitted_at), str(self.id))


def normalised(typed: str) -> str:
    return typed.strip().upper()


def beginning(text: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """References that begin with `text`, as a range a leakproof operator reads from ix_referrals_reference_prefix
    (text_pattern_ops: compared byte by byte, so every reference with the prefix sorts between the two)."""
    return Referral.reference.op("~>=~", is_comparison=True)(text), Referral.reference.op("~<~", is_comparison=True)(
        text + "\U0010ffff"
    )


def _select(actor: Actor) -> Select[uuid.UUID, str | None, datetime | None, bool]:
    own = Referral.current_landlord_id == actor.organisation_id
    return select(Referral.id, Referral.reference, Referral.submitted_at, own).where(*_where(actor))


def _where(actor: Actor) -> list[ColumnElement[bool]]:
    return [
        Referral.tenant_id == actor.tenant_id,
        Referral.reference.is_not(None),
        Referral.submitted_at.is_not(None),
        Referral.state != State.draft,
        findable(actor),
    ]


async def whole(db: AsyncSession, actor: Actor, text: str) -> Found | None:
    """The referral with exactly this reference (any case), or that had it in the scheme it was handed from
    (`former_reference`, cohorts.moving), if the actor may see it."""
    if not text or len(text) > LONGEST:
        return None
    row = (await db.execute(_select(actor).where(Referral.reference == text))).first()
    if row is None:
        row = (await db.execute(_select(actor).where(Referral.former_reference == text).limit(1))).first()
    return Found(row[0], row[1] or "", row[2], bool(row[3])) if row else None


async def beginning_with(
    db: AsyncSession, actor: Actor, text: str, *, after: str | None, before: str | None
) -> keyset.Page[Found]:
    """The referrals whose reference begins with `text` (any case) that the actor may see, newest first."""
    if not text or len(text) > LONGEST:
        return keyset.Page([], None, None)
    query = _select(actor).where(*beginning(text))
    query, reading = keyset.paged(query, NEWEST_FIRST, after=after, before=before, size=PAGE_SIZE)
    rows = [Found(rid, ref or "", at, bool(own)) for rid, ref, at, own in await db.execute(query)]
    return keyset.page_of(rows, Found.key, size=PAGE_SIZE, reading=reading)
