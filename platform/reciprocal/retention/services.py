"""Applying a scheme's retention: what is due is removed, and each run leaves a receipt of what and how many.

Run by the worker once a day in the scheme's own session (row-level security bounds every statement to it).
A referral past retention goes with its answers, offers, viewings, risk assessments, messages, notices and
timeline; its move stays (the ledger's entries point at it and it holds no case content), no longer pointing at
the referral, so the ledger shows "removed under retention" where the reference was and no balance changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Delete, Select, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.services import record
from reciprocal.identity.models import OidcFlow, SignInAttempt, SignInLink, UserSession
from reciprocal.kernel import clock
from reciprocal.notifications.models import MessageState, Notice, OutboxMessage
from reciprocal.referrals.models import Move, Offer, Referral, RiskAssessment, Viewing
from reciprocal.referrals.workflow import ENDED
from reciprocal.retention import rules as r
from reciprocal.retention.models import RetentionReceipt
from reciprocal.tenancy.models import Scheme

RECEIPT_RUNS = 30
"""Runs the receipt page lists (the download carries every run)."""


async def _count(db: AsyncSession, statement: Delete) -> int:
    result: Any = await db.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def due_referrals(tenant_id: uuid.UUID, before: datetime) -> Select[uuid.UUID]:
    """Referrals whose work ended before `before`."""
    return select(Referral.id).where(
        Referral.tenant_id == tenant_id,
        Referral.state.in_(sorted(ENDED)),
        func.coalesce(Referral.ended_at, Referral.updated_at) < before,
    )


async def _remove_referrals(db: AsyncSession, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> None:
    """Everything of these referrals but their moves, which only forget them."""
    if not ids:
        return
    offers = select(Offer.id).where(Offer.tenant_id == tenant_id, Offer.referral_id.in_(ids))
    await db.execute(
        update(Move)
        .where(Move.tenant_id == tenant_id, Move.referral_id.in_(ids))
        .values(referral_id=None, offer_id=None)
        .execution_options(synchronize_session=False)
    )
    for model in (RiskAssessment, Viewing):
        await _count(db, delete(model).where(model.tenant_id == tenant_id, model.offer_id.in_(offers)))
    await _count(db, delete(Offer).where(Offer.tenant_id == tenant_id, Offer.referral_id.in_(ids)))
    await _count(db, delete(Notice).where(Notice.tenant_id == tenant_id, Notice.referral_id.in_(ids)))


async def apply(db: AsyncSession, tenant_id: uuid.UUID, today: date | None = None) -> list[RetentionReceipt]:
    """Remove what the scheme's retention says is due today and record the receipt (a line per kind, 0 when
    nothing was due, as on a second run the same day)."""
    scheme = await db.get(Scheme, tenant_id)
    assert scheme is not None
    ran_at = clock.now()
    rule = {each.what: each for each in r.rules(scheme, today)}
    removed: dict[str, int] = {}

    ids = list(await db.scalars(due_referrals(tenant_id, rule[r.CLOSED_REFERRALS].before)))
    await _remove_referrals(db, tenant_id, ids)
    # NOTE: audit events and referral messages are append-only to the application: a SECURITY DEFINER function
    # (migration 0021) removes them, the old ones and a removed referral's timeline and messages, and nothing else.
    removed[r.AUDIT_EVENTS] = int(
        await db.scalar(select(func.retention_forget_audit(rule[r.AUDIT_EVENTS].before, ids))) or 0
    )
    if ids:
        await _count(db, delete(Referral).where(Referral.tenant_id == tenant_id, Referral.id.in_(ids)))
    removed[r.CLOSED_REFERRALS] = len(ids)

    signed = rule[r.SIGN_IN_RECORDS].before
    removed[r.SIGN_IN_RECORDS] = (
        await _count(db, delete(SignInAttempt).where(SignInAttempt.tenant_id == tenant_id, SignInAttempt.at < signed))
        + await _count(db, delete(SignInLink).where(SignInLink.tenant_id == tenant_id, SignInLink.expires_at < signed))
        + await _count(db, delete(OidcFlow).where(OidcFlow.tenant_id == tenant_id, OidcFlow.expires_at < signed))
    )
    sent = rule[r.OUTBOX_MESSAGES].before
    removed[r.OUTBOX_MESSAGES] = await _count(
        db,
        delete(OutboxMessage).where(
            OutboxMessage.tenant_id == tenant_id,
            OutboxMessage.state != MessageState.queued,
            func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < sent,
        ),
    )
    ended = rule[r.SESSIONS].before
    removed[r.SESSIONS] = await _count(
        db,
        delete(UserSession).where(
            UserSession.tenant_id == tenant_id,
            or_(UserSession.expires_at < ended, UserSession.revoked_at < ended),
        ),
    )

    receipt = [
        RetentionReceipt(
            tenant_id=tenant_id,
            ran_at=ran_at,
            what=what,
            kept_days=rule[what].kept_days,
            before=rule[what].before,
            removed=removed[what],
        )
        for what in r.KINDS
    ]
    db.add_all(receipt)
    record(db, tenant_id, "retention.applied", details={"removed": removed})
    return receipt


async def runs(db: AsyncSession, tenant_id: uuid.UUID, *, limit: int | None = RECEIPT_RUNS) -> list[RetentionReceipt]:
    """The receipts of the latest runs (`limit` of them; every run when None), newest first, kinds in order."""
    query = select(RetentionReceipt).where(RetentionReceipt.tenant_id == tenant_id)
    if limit is not None:
        latest = (
            select(RetentionReceipt.ran_at)
            .where(RetentionReceipt.tenant_id == tenant_id)
            .group_by(RetentionReceipt.ran_at)
            .order_by(RetentionReceipt.ran_at.desc())
            .limit(limit)
        )
        query = query.where(RetentionReceipt.ran_at.in_(latest))
    order = {what: n for n, what in enumerate(r.KINDS)}
    lines = list(await db.scalars(query.order_by(RetentionReceipt.ran_at.desc())))
    return sorted(lines, key=lambda line: (-line.ran_at.timestamp(), order.get(line.what, 99)))
