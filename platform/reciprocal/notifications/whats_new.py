"""A person's "What's new": the notices of the last 90 days for the role they act in, newest first; a notice
is read once its person has opened it from the list.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.services import Actor
from reciprocal.kernel import clock
from reciprocal.notifications.messages import happened
from reciprocal.notifications.models import Notice

KEPT = timedelta(days=90)
"""How long a notice is listed (and, once retention runs, kept)."""
ON_HOME = 5
"""Notices shown on a role's home; the rest are on the What's new page."""
PAGE = 50


@dataclass(frozen=True)
class Line:
    id: uuid.UUID
    text: str
    at: datetime
    unread: bool


@dataclass(frozen=True)
class WhatsNew:
    lines: list[Line]
    unread: int
    more: bool
    """Older lines than these exist (within KEPT)."""


def _theirs(actor: Actor) -> ColumnElement[bool]:
    return and_(
        Notice.tenant_id == actor.tenant_id,
        Notice.user_id == actor.user_id,
        Notice.role == actor.role,
        Notice.occurred_at > clock.now() - KEPT,
    )


async def whats_new(
    db: AsyncSession, actor: Actor, *, limit: int = ON_HOME, before: datetime | None = None
) -> WhatsNew:
    """The newest `limit` notices for the actor's role (older than `before`, for a further page); one query,
    with the count of unread notices as a column of each row."""
    unread = select(func.count()).where(_theirs(actor), Notice.read_at.is_(None)).scalar_subquery()
    query = select(Notice.id, Notice.kind, Notice.reference, Notice.occurred_at, Notice.read_at, unread).where(
        _theirs(actor)
    )
    if before is not None:
        query = query.where(Notice.occurred_at < before)
    rows = (await db.execute(query.order_by(Notice.occurred_at.desc(), Notice.id.desc()).limit(limit + 1))).all()
    if rows:
        count = rows[0][-1]
    elif before is None:  # no notice at all, so none unread
        count = 0
    else:  # none older than `before`, yet newer ones may be unread
        count = await db.scalar(select(unread))
    lines = [Line(row.id, happened(row.kind, row.reference), row.occurred_at, row.read_at is None) for row in rows]
    return WhatsNew(lines=lines[:limit], unread=count or 0, more=len(lines) > limit)


async def open_notice(db: AsyncSession, actor: Actor, notice_id: uuid.UUID) -> str | None:
    """Mark the actor's notice read; where it leads (None: not theirs, or gone)."""
    path: str | None = await db.scalar(
        update(Notice)
        .where(_theirs(actor), Notice.id == notice_id)
        .values(read_at=func.coalesce(Notice.read_at, func.now()))
        .returning(Notice.path)
    )
    return path


async def mark_all_read(db: AsyncSession, actor: Actor) -> int:
    result = await db.execute(update(Notice).where(_theirs(actor), Notice.read_at.is_(None)).values(read_at=func.now()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
