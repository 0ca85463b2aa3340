"""A scheme's counts for a period, read in a few statements bounded by the period's indexes.

These are raw counts: nothing here is shown. portals.reports.presenters turns them into what a page may show, every
figure through reports.suppression.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.services import current_criteria
from reciprocal.reminders import services as reminders
from reciprocal.reports.periods import Period

MONITORED = ("gender", "lone_parent", "disability")
"""The monitoring answers (keys of portals/officer/forms.MONITORING) a report counts."""

STAGES = (
    ("submitted_approved", "Submitted to approved by the landlord"),
    ("approved_circulated", "Approved to circulated"),
    ("circulated_offered", "Circulated to first offer"),
    ("offered_moved", "First offer to move"),
)
"""The stage times a report measures: (key, words). Each is counted in the period its later step fell in."""

_FUNNEL = text(
    """
    select
      (select count(*) from enquiries
        where tenant_id = :t and received_at >= :starts and received_at < :ends) as enquiries,
      (select count(*) from referrals
        where tenant_id = :t and submitted_at >= :starts and submitted_at < :ends) as submitted,
      (select count(*) from referrals
        where tenant_id = :t and approved_at >= :starts and approved_at < :ends) as approved,
      (select count(*) from referrals
        where tenant_id = :t and circulated_at >= :starts and circulated_at < :ends) as circulated,
      (select count(*) from offers
        where tenant_id = :t and created_at >= :starts and created_at < :ends) as offers,
      (select count(*) from referrals
        where tenant_id = :t and ended_at >= :starts and ended_at < :ends
          and state = 'moved_elsewhere') as moved_elsewhere
    """
)

# Each stage's count, median and 90th percentile in days, for the referrals whose later step is in the period.
_STAGE_TIMES = text(
    """
    with stage as (
      select 1 as stage, extract(epoch from approved_at - submitted_at) / 86400 as days from referrals
       where tenant_id = :t and approved_at >= :starts and approved_at < :ends
      union all
      select 2, extract(epoch from circulated_at - approved_at) / 86400 from referrals
       where tenant_id = :t and circulated_at >= :starts and circulated_at < :ends
      union all
      select 3, extract(epoch from offered_at - circulated_at) / 86400 from referrals
       where tenant_id = :t and offered_at >= :starts and offered_at < :ends
      union all
      select 4, m.moved_on - (r.offered_at at time zone 'Europe/London')::date
        from moves m join referrals r on r.tenant_id = m.tenant_id and r.id = m.referral_id
       where m.tenant_id = :t and m.moved_on >= :first and m.moved_on <= :last
    )
    select stage, count(days) as n, percentile_cont(0.5) within group (order by days) as median,
           percentile_cont(0.9) within group (order by days) as p90
    from stage group by stage
    """
)

# One pass over the referrals submitted in the period, counted several ways at once.
_SUBMITTED = text(
    """
    select grouping(risk_type) = 0 as by_risk, grouping(landlord) = 0 as by_landlord,
           grouping(month) = 0 as by_month, grouping(gender) = 0 as by_gender,
           grouping(lone_parent) = 0 as by_lone_parent, grouping(disability) = 0 as by_disability,
           grouping(lone_female) = 0 as by_lone_female,
           risk_type, landlord, month, gender, lone_parent, disability, lone_female, count(*) as n
    from (
      select r.risk_type, r.current_landlord_id as landlord,
             date_trunc('month', r.submitted_at at time zone 'Europe/London')::date as month,
             m.answers ->> 'gender' as gender, m.answers ->> 'lone_parent' as lone_parent,
             m.answers ->> 'disability' as disability,
             coalesce(m.answers ->> 'lone_parent' = 'yes' and m.answers ->> 'gender' = 'woman', false)
               as lone_female
      from referrals r
      left join referral_monitoring m on m.tenant_id = r.tenant_id and m.referral_id = r.id
      where r.tenant_id = :t and r.submitted_at >= :starts and r.submitted_at < :ends
    ) as submitted
    group by grouping sets ((risk_type), (landlord), (month), (gender), (lone_parent), (disability), (lone_female))
    """
)

# One pass over the moves in the period (by the day they moved).
_MOVES = text(
    """
    select grouping(receiving_id) = 0 as by_receiving,
           grouping(sending_id) = 0 as by_sending, grouping(risk_type) = 0 as by_risk,
           grouping(month) = 0 as by_month,
           receiving_id, sending_id, risk_type, month, count(*) as n, sum(people) as people
    from (
      select m.receiving_id, m.sending_id, r.risk_type,
             date_trunc('month', m.moved_on)::date as month,
             r.adults + coalesce(cardinality(r.children_ages), 0) as people
      from moves m join referrals r on r.tenant_id = m.tenant_id and r.id = m.referral_id
      where m.tenant_id = :t and m.moved_on >= :first and m.moved_on <= :last
    ) as moved
    group by grouping sets ((), (receiving_id), (sending_id), (risk_type), (month))
    """
)

_ENQUIRIES_BY_MONTH = text(
    """
    select date_trunc('month', received_at at time zone 'Europe/London')::date as month, count(*) as n
    from enquiries where tenant_id = :t and received_at >= :starts and received_at < :ends
    group by 1
    """
)

_NAMES = text(
    """
    select id, name from organisations where tenant_id = :t
    """
)


@dataclass(frozen=True)
class StageTime:
    key: str
    words: str
    count: int
    median_days: float | None
    p90_days: float | None


@dataclass
class Counts:
    """Everything a report counts for one scheme and period, before anything is withheld."""

    enquiries: int = 0
    submitted: int = 0
    approved: int = 0
    circulated: int = 0
    offers: int = 0
    moves: int = 0
    people_moved: int = 0
    moved_elsewhere: int = 0
    """Housed through another pathway (Housing Moves): counted apart from moves, with no ledger entries."""
    stalled: int = 0
    """Waits the work queue shows as stalled, today (not in the period: now)."""
    monthly: dict[str, dict[date, int]] = field(default_factory=lambda: defaultdict(dict))
    """Series ("enquiries", "submitted", "moves") -> first day of a month -> count."""
    submitted_by_risk: dict[str | None, int] = field(default_factory=dict)
    moves_by_risk: dict[str | None, int] = field(default_factory=dict)
    submitted_by_landlord: dict[uuid.UUID | None, int] = field(default_factory=dict)
    moves_by_receiving: dict[uuid.UUID, int] = field(default_factory=dict)
    moves_by_sending: dict[uuid.UUID, int] = field(default_factory=dict)
    monitoring: dict[str, dict[str | None, int]] = field(default_factory=lambda: defaultdict(dict))
    """Answer key -> the answer (None: not answered) -> referrals submitted in the period."""
    lone_female_parents: int = 0
    stage_times: list[StageTime] = field(default_factory=list)
    names: dict[uuid.UUID, str] = field(default_factory=dict)
    """Organisations' names (the areas' are the maps': reports.area_maps)."""
    risk_labels: dict[str, str] = field(default_factory=dict)


def _bounds(tenant_id: uuid.UUID, period: Period) -> dict[str, Any]:
    return {"t": tenant_id, "starts": period.starts, "ends": period.ends, "first": period.first, "last": period.last}


async def counts(db: AsyncSession, tenant_id: uuid.UUID, period: Period) -> Counts:
    """The scheme's counts for `period`, in seven statements whatever the period's length."""
    bounds = _bounds(tenant_id, period)
    found = Counts()
    funnel = (await db.execute(_FUNNEL, bounds)).one()
    found.enquiries, found.submitted, found.approved, found.circulated, found.offers, found.moved_elsewhere = funnel
    times = {stage: (n, median, p90) for stage, n, median, p90 in await db.execute(_STAGE_TIMES, bounds)}
    for i, (key, words) in enumerate(STAGES, start=1):
        n, median, p90 = times.get(i, (0, None, None))
        found.stage_times.append(StageTime(key, words, n, median, p90))
    for row in await db.execute(_SUBMITTED, bounds):
        _submitted(found, row)
    for row in await db.execute(_MOVES, bounds):
        _moved(found, row)
    for month, n in await db.execute(_ENQUIRIES_BY_MONTH, bounds):
        found.monthly["enquiries"][month] = n
    found.names = {id_: name for id_, name in await db.execute(_NAMES, {"t": tenant_id})}
    published = await current_criteria(db, tenant_id)
    found.risk_labels = {} if published is None else {r.key: r.label for r in published.criteria.risk_types}
    found.stalled = len(await reminders.stalled(db, tenant_id))
    return found


def _submitted(found: Counts, row: Any) -> None:
    if row.by_risk:
        found.submitted_by_risk[row.risk_type] = row.n
    elif row.by_landlord:
        found.submitted_by_landlord[row.landlord] = row.n
    elif row.by_month:
        found.monthly["submitted"][row.month] = row.n
    elif row.by_lone_female:
        if row.lone_female:
            found.lone_female_parents = row.n
    else:
        key = next(k for k in MONITORED if getattr(row, f"by_{k}"))
        found.monitoring[key][getattr(row, key)] = row.n


def _moved(found: Counts, row: Any) -> None:
    if row.by_receiving:
        found.moves_by_receiving[row.receiving_id] = row.n
    elif row.by_sending:
        found.moves_by_sending[row.sending_id] = row.n
    elif row.by_risk:
        found.moves_by_risk[row.risk_type] = row.n
    elif row.by_month:
        found.monthly["moves"][row.month] = row.n
    else:
        found.moves, found.people_moved = row.n, int(row.people or 0)
