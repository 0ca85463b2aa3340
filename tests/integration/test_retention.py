"""Retention with receipts, in two schemes: what is due is removed with everything of it, what is not stays
(hand-built around the boundary), ledger balances do not move, the receipt counts exactly, a second run the same
day removes nothing more and says so, and the other scheme is untouched."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update

from reciprocal.audit.models import AuditEvent
from reciprocal.audit.services import record
from reciprocal.db.engine import Database
from reciprocal.identity.models import SignInAttempt, UserSession
from reciprocal.kernel import clock
from reciprocal.ledger.models import LedgerBalance, LedgerEntry
from reciprocal.notifications.models import MessageState, OutboxMessage
from reciprocal.portals.ledger.queries import statement
from reciprocal.referrals import services as referrals
from reciprocal.referrals.models import Move, Offer, Referral, ReferralArea
from reciprocal.referrals.workflow import Action
from reciprocal.retention import rules
from reciprocal.retention import services as retention
from support.scheduled import CANARIES
from support.world import County, World

TODAY = date(2026, 12, 3)
CUTOFF = datetime(2024, 12, 3, tzinfo=UTC)
"""730 days (the default for closed referrals and audit events) before the start of TODAY (UK time is UTC in
December)."""


async def balances(w: World) -> list[tuple[uuid.UUID, int | None, int, int]]:
    async with w.db.tenant_session(w.scheme.id) as session:
        rows = await session.execute(
            select(LedgerBalance.partner_id, LedgerBalance.bedrooms, LedgerBalance.owed, LedgerBalance.owing)
            .where(LedgerBalance.tenant_id == w.scheme.id)
            .order_by(LedgerBalance.partner_id, LedgerBalance.bedrooms)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def count(w: World, model: type, *where: object) -> int:
    async with w.db.tenant_session(w.scheme.id) as session:
        return int(
            await session.scalar(select(func.count()).select_from(model).where(model.tenant_id == w.scheme.id, *where))  # type: ignore[attr-defined]
            or 0
        )


async def ended_at(w: World, referral_id: uuid.UUID, moment: datetime) -> None:
    async def set_it(session, _):  # type: ignore[no-untyped-def]
        await session.execute(update(Referral).where(Referral.id == referral_id).values(ended_at=moment))

    await w.run(set_it, None)


async def withdrawn(w: World) -> Referral:
    referral = await w.submitted(w.domestic_abuse())
    return await w.run(referrals.act, w.coordinator, referral.id, Action.withdraw, version=referral.version)


async def old_records(w: World) -> None:
    """Around the boundary of each short rule: one sign-in record, one sent email and one session a second past
    it, and one of each exactly on it (kept)."""
    signed, kept = CUTOFF + timedelta(days=730 - 90), CUTOFF + timedelta(days=730 - 30)

    async def add(session, _):  # type: ignore[no-untyped-def]
        for at in (signed - timedelta(seconds=1), signed):
            session.add(
                SignInAttempt(tenant_id=w.scheme.id, kind="link", email_hash=hashlib.sha256(b"x").digest(), at=at)
            )
            session.add(
                OutboxMessage(
                    tenant_id=w.scheme.id,
                    key=f"retention-test:{at.isoformat()}",
                    user_id=w.officer.user_id,
                    kind="statement",
                    state=MessageState.sent,
                    sent_at=at,
                    created_at=at,
                )
            )
        for at in (kept - timedelta(seconds=1), kept):
            session.add(
                UserSession(
                    tenant_id=w.scheme.id,
                    token_hash=hashlib.sha256(at.isoformat().encode()).digest(),
                    user_id=w.officer.user_id,
                    organisation_id=w.officer.organisation_id,
                    role=w.officer.role,
                    method="link",
                    last_seen_at=at - timedelta(hours=1),
                    expires_at=at,
                )
            )
        record(session, w.scheme.id, "retention.test_old_event")

    real = clock.now
    clock.now = lambda: CUTOFF - timedelta(seconds=1)  # type: ignore[assignment]
    try:
        await w.run(add, None)
    finally:
        clock.now = real  # type: ignore[assignment]


async def test_what_is_due_goes_what_is_not_stays_and_balances_never_move(db: Database, each_world: World) -> None:
    w = each_world
    other = await (World(db) if isinstance(w, County) else County(db)).build()
    due = await w.moved(replace(w.domestic_abuse(), **CANARIES), w.partner, w.home(), moved_on=date(2024, 11, 1))
    on_the_day = await withdrawn(w)
    live = await w.circulating(w.domestic_abuse())
    await ended_at(w, due.id, CUTOFF - timedelta(seconds=1))
    await ended_at(w, on_the_day.id, CUTOFF)
    await old_records(w)
    theirs = await other.moved(other.domestic_abuse(), other.partner, other.home(), moved_on=date(2024, 11, 1))
    await ended_at(other, theirs.id, CUTOFF - timedelta(days=100))

    before, others_before = await balances(w), await balances(other)
    entries = await count(w, LedgerEntry)
    timeline = await count(w, AuditEvent, AuditEvent.subject_type == "referral", AuditEvent.subject_id == due.id)
    assert timeline > 0
    assert before
    others_audit = await count(other, AuditEvent)

    receipt = await w.run(retention.apply, w.scheme.id, TODAY)

    removed = {line.what: line.removed for line in receipt}
    assert removed == {
        rules.CLOSED_REFERRALS: 1,
        rules.AUDIT_EVENTS: timeline + 1,
        rules.SIGN_IN_RECORDS: 1,
        rules.OUTBOX_MESSAGES: 1,
        rules.SESSIONS: 1,
    }
    assert {line.what: line.before for line in receipt}[rules.CLOSED_REFERRALS] == CUTOFF
    # The referral went with its answers, offers and timeline; the others stay.
    assert await count(w, Referral, Referral.id == due.id) == 0
    assert await count(w, ReferralArea, ReferralArea.referral_id == due.id) == 0
    assert await count(w, Offer, Offer.referral_id == due.id) == 0
    assert await count(w, AuditEvent, AuditEvent.subject_id == due.id) == 0
    assert await count(w, Referral, Referral.id.in_([on_the_day.id, live.id])) == 2
    assert await count(w, AuditEvent, AuditEvent.subject_id == on_the_day.id) > 0
    # The ledger keeps every entry, its move no longer naming the referral, and no balance changes.
    assert await balances(w) == before
    assert await count(w, LedgerEntry) == entries
    assert await count(w, Move, Move.referral_id.is_(None)) >= 1
    async with db.tenant_session(w.scheme.id) as session:
        lines = await statement(session, w.scheme.id)
    assert due.reference not in {line.reference for line in lines}
    assert rules.REMOVED_REFERENCE in {line.reference for line in lines}
    # The other scheme is untouched.
    assert await count(other, Referral, Referral.id == theirs.id) == 1
    assert await balances(other) == others_before
    assert await count(other, AuditEvent) == others_audit

    again = await w.run(retention.apply, w.scheme.id, TODAY)
    assert {line.what: line.removed for line in again} == dict.fromkeys(rules.KINDS, 0)
    async with db.tenant_session(w.scheme.id) as session:
        runs = await retention.runs(session, w.scheme.id)
    assert [line.removed for line in runs[: len(rules.KINDS)]] == [0] * len(rules.KINDS)
    assert len(runs) == 2 * len(rules.KINDS)
