"""A partner's figures for one month, as the toolkit's monthly email gives them: counts only, never case content.

Moves are those of the month; everything else is as it stood when the month ended (or now, for the month under
way): the referrals' states are read from their audit trail, the balances from the kept balances less the entries
since then.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Integer, Select, String, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.audit.models import AuditEvent
from reciprocal.kernel import clock, dates
from reciprocal.kernel.dates import UK_TIME
from reciprocal.ledger.models import LedgerBalance, LedgerEntry
from reciprocal.partners.models import Organisation
from reciprocal.referrals.circulation import partners_reached
from reciprocal.referrals.models import Move, Referral
from reciprocal.referrals.workflow import ENDED, State

ON_THE_LIST = (State.circulating.value, State.offer_made.value, State.viewing.value)
"""States of a referral still looking for a home: an applicant "on the list"."""


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month | None:
        """`2026-12` as a Month; None for anything else."""
        # NOTE: ASCII digits only: str.isdigit() also takes "²", which int() then refuses (a 500, not a 404).
        if not re.fullmatch(r"[0-9]{4}-[0-9]{1,2}", text):
            return None
        year, month = (int(part) for part in text.split("-"))
        return cls(year, month) if 1 <= month <= 12 else None

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def start(self) -> datetime:
        """The moment the month begins, UK time (as UTC)."""
        return datetime.combine(self.first, time(), UK_TIME).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The moment the month ends, UK time (as UTC)."""
        return datetime.combine(self.next.first, time(), UK_TIME).astimezone(UTC)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return self.first.strftime("%B %Y")


def this_month() -> Month:
    return Month.of(dates.today())


@dataclass(frozen=True)
class BedroomBalance:
    bedrooms: int | None
    """None where the scheme does not count like for like."""
    owed: int
    owing: int

    @property
    def net(self) -> int:
        return self.owed - self.owing


@dataclass(frozen=True)
class Figures:
    month: Month
    rehoused_elsewhere: int
    """The partner's tenants who moved to another partner's home in the month."""
    wanting_area: int
    """Applicants on the list at the month's end whose safe areas (or lack of risk) include the partner's areas."""
    on_hold: int
    """The partner's tenants' referrals on hold (the partner over the debt cap) at the month's end."""
    balances: tuple[BedroomBalance, ...]
    """Owed and owing at the month's end, per bedroom class where like-for-like is on."""
    paused_until: date | None = None
    """The partner had paused new circulations at the month's end (referrals.pauses), until this day."""

    def params(self) -> dict[str, object]:
        """The figures as an outbox message keeps them: numbers only."""
        return {
            "month": self.month.key,
            "rehoused_elsewhere": self.rehoused_elsewhere,
            "wanting_area": self.wanting_area,
            "on_hold": self.on_hold,
            "balances": [[b.bedrooms, b.owed, b.owing] for b in self.balances],
            "paused_until": self.paused_until.isoformat() if self.paused_until else None,
        }


NOT_ENDED = tuple(state for state in State if state not in ENDED)


def _states_at(tenant_id: uuid.UUID, moment: datetime) -> Select[tuple[uuid.UUID, str]]:
    """The state at `moment` of each referral that may then have been live: the target of its last step before.

    Only referrals submitted before `moment` and not ended by then (ended is final: those whose work goes on, and
    those that ended since), each with its last step found through ix_audit_events_subject: the cost follows
    what was live, never the scheme's whole history.
    """
    last_step = (
        select(AuditEvent.details["to"].astext.cast(String).label("state"))
        .where(
            AuditEvent.tenant_id == Referral.tenant_id,
            AuditEvent.subject_type == "referral",
            AuditEvent.subject_id == Referral.id,
            AuditEvent.occurred_at < moment,
            AuditEvent.details.has_key("to"),
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(1)
        .lateral()
    )
    return (
        select(Referral.id.label("referral_id"), last_step.c.state)
        .join(last_step, true())
        .where(
            Referral.tenant_id == tenant_id,
            Referral.submitted_at < moment,
            or_(Referral.state.in_(NOT_ENDED), Referral.ended_at >= moment),
        )
    )


def _balances_at(
    tenant_id: uuid.UUID, partner_ids: Collection[uuid.UUID], moment: datetime
) -> Select[uuid.UUID, int | None, int, int]:
    """Each partner's owed and owing per bedroom class at `moment`: the kept balance less the entries since.

    One statement, so one snapshot of both. For last month's statement that reads this month's entries so far,
    never the ledger's whole history; a class with no entry before `moment` is left out, as it was not yet open.
    """
    since = (
        select(
            LedgerEntry.partner_id,
            LedgerEntry.bedrooms,
            func.sum(func.greatest(LedgerEntry.amount, 0)).label("owed"),
            func.sum(func.greatest(-LedgerEntry.amount, 0)).label("owing"),
        )
        .where(
            LedgerEntry.tenant_id == tenant_id,
            LedgerEntry.partner_id.in_(partner_ids),
            LedgerEntry.created_at >= moment,
        )
        .group_by(LedgerEntry.partner_id, LedgerEntry.bedrooms)
        .subquery()
    )
    owed = LedgerBalance.owed - func.coalesce(since.c.owed, 0)
    owing = LedgerBalance.owing - func.coalesce(since.c.owing, 0)
    return (
        select(LedgerBalance.partner_id, LedgerBalance.bedrooms, owed.cast(Integer), owing.cast(Integer))
        .outerjoin(
            since,
            (since.c.partner_id == LedgerBalance.partner_id)
            & since.c.bedrooms.is_not_distinct_from(LedgerBalance.bedrooms),
        )
        .where(LedgerBalance.tenant_id == tenant_id, LedgerBalance.partner_id.in_(partner_ids), owed + owing > 0)
        .order_by(LedgerBalance.partner_id, LedgerBalance.bedrooms.nulls_first())
    )


async def figures(db: AsyncSession, tenant_id: uuid.UUID, partner_id: uuid.UUID, month: Month) -> Figures:
    """One partner's figures for `month`."""
    return (await figures_by_partner(db, tenant_id, [partner_id], month))[partner_id]


async def figures_by_partner(
    db: AsyncSession, tenant_id: uuid.UUID, partner_ids: Collection[uuid.UUID], month: Month
) -> dict[uuid.UUID, Figures]:
    """Each partner's figures for `month`, in five queries whatever the number of partners."""
    moment = min(month.end, clock.now())
    rehoused: dict[uuid.UUID, int] = dict(
        (
            await db.execute(
                select(Move.sending_id, func.count())
                .where(
                    Move.tenant_id == tenant_id,
                    Move.sending_id.in_(partner_ids),
                    Move.receiving_id != Move.sending_id,
                    Move.moved_on >= month.first,
                    Move.moved_on < month.next.first,
                )
                .group_by(Move.sending_id)
            )
        ).all()
    )
    states = _states_at(tenant_id, moment).subquery()
    waiting = await db.execute(
        select(Referral, states.c.state)
        .join(states, (Referral.tenant_id == tenant_id) & (Referral.id == states.c.referral_id))
        .where(states.c.state.in_((*ON_THE_LIST, State.on_hold.value)))
    )
    listed, on_hold = [], Counter[uuid.UUID]()
    for referral, state in waiting:
        if state == State.on_hold.value:
            on_hold[referral.current_landlord_id] += 1
        else:
            listed.append(referral)
    # Whom each referral on the list reaches: the rule circulation itself follows, its own landlord aside.
    # A paused partner's statement still counts them: they want its areas whether or not it is taking new ones.
    reach = await partners_reached(db, listed, skip_paused=False)
    wanting = Counter(partner for reached in reach.values() for partner in reached)
    balances: dict[uuid.UUID, list[BedroomBalance]] = {}
    for partner_id, bedrooms, owed, owing in await db.execute(_balances_at(tenant_id, partner_ids, moment)):
        balances.setdefault(partner_id, []).append(BedroomBalance(bedrooms, owed, owing))
    # Paused at the month's end: set before it, and not yet over on its last day (or today, this month).
    paused = dict(
        (
            await db.execute(
                select(Organisation.id, Organisation.paused_until).where(
                    Organisation.tenant_id == tenant_id,
                    Organisation.id.in_(partner_ids),
                    Organisation.paused_from < moment,
                    Organisation.paused_until > (moment - timedelta(microseconds=1)).astimezone(UK_TIME).date(),
                )
            )
        ).all()
    )
    return {
        partner: Figures(
            month,
            rehoused.get(partner, 0),
            wanting[partner],
            on_hold[partner],
            tuple(balances.get(partner, ())),
            paused.get(partner),
        )
        for partner in partner_ids
    }
