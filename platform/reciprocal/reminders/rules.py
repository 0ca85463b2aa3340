"""The reminder ladders as a pure table: for each thing a referral waits for, which rung is due today.

Counted in working days (kernel.working_days). Each rung after the first counts from the day the rung before
it was sent, not from when the wait began: a day the job did not run delays what follows, so nobody is ever
escalated past, or withdrawn, without the interval they were promised. One rung is due per wait per run.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from reciprocal.kernel.working_days import add_working_days

WITHDRAWAL_NOTICE_DAYS = 14
"""Working days between the notice that a referral will be withdrawn for inactivity and its withdrawal."""


class Task(enum.StrEnum):
    """What a referral waits for, and so who must act."""

    approval = "approval"
    """The current landlord's named leads, to approve or decline."""
    offer_decision = "offer_decision"
    """The nominating officer, for the applicant's decision on an offer (whether to view it)."""
    viewing_outcome = "viewing_outcome"
    """The nominating officer, for the outcome of a viewing."""
    risk_assessment = "risk_assessment"
    """The referral's named risk assessor, for the offered area."""
    officer_update = "officer_update"
    """The nominating officer, for any update on a referral that is returned to them or circulating."""


class Rung(enum.StrEnum):
    reminder = "reminder"
    """To the person who must act."""
    cover = "cover"
    """To the other named leads of that organisation, in case the first is away."""
    stalled = "stalled"
    """On the coordinator's work queue: how long, and who was reminded."""
    inactivity_notice = "inactivity_notice"
    """To the officer: the referral will be withdrawn in WITHDRAWAL_NOTICE_DAYS unless updated."""
    withdrawal = "withdrawal"
    """Withdrawn for inactivity (workflow Action.withdraw_inactive, as the system)."""


class Interval(enum.Enum):
    reminder_days = "reminder_days"
    inactivity_days = "inactivity_days"
    notice = "notice"


@dataclass(frozen=True)
class Step:
    rung: Rung
    interval: Interval
    after_previous: bool
    """Counted from the previous rung's sending (True) or from the start of the wait."""


PERSON = (
    Step(Rung.reminder, Interval.reminder_days, after_previous=False),
    Step(Rung.cover, Interval.reminder_days, after_previous=True),
    Step(Rung.stalled, Interval.reminder_days, after_previous=True),
)
"""Someone must act: reminded, then their organisation's other named leads (if it is a named lead's task and
there are others), then the coordinator's work queue."""

INACTIVITY = (
    Step(Rung.reminder, Interval.reminder_days, after_previous=False),
    Step(Rung.inactivity_notice, Interval.inactivity_days, after_previous=False),
    Step(Rung.withdrawal, Interval.notice, after_previous=True),
)
"""The officer has given no update: reminded, warned, then the referral is withdrawn."""

LADDERS: dict[Task, tuple[Step, ...]] = {
    Task.approval: PERSON,
    Task.offer_decision: PERSON,
    Task.viewing_outcome: PERSON,
    Task.risk_assessment: PERSON,
    Task.officer_update: INACTIVITY,
}

NAMED_LEAD_TASKS = frozenset({Task.approval})
"""Tasks of a named lead: the other named leads of the organisation can cover for them."""


def due(
    task: Task,
    since: date,
    today: date,
    sent: Mapping[Rung, date],
    *,
    reminder_days: int,
    inactivity_days: int,
    cover: bool,
) -> Rung | None:
    """The rung of `task`'s ladder due `today` for a wait begun on `since`, given the rungs already `sent`
    (and when); None if none is. `cover`: there are other named leads to tell."""
    days = {
        Interval.reminder_days: reminder_days,
        Interval.inactivity_days: inactivity_days,
        Interval.notice: WITHDRAWAL_NOTICE_DAYS,
    }
    previous: date | None = None
    for step in LADDERS[task]:
        if step.rung == Rung.cover and not (cover and task in NAMED_LEAD_TASKS):
            continue
        if step.rung in sent:
            previous = sent[step.rung]
            continue
        start = previous if step.after_previous and previous is not None else since
        return step.rung if today >= add_working_days(start, days[step.interval]) else None
    return None
