"""The coordinator's pages in words: stages of the work queue, the criteria check rule by rule, the timeline. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reciprocal.criteria.schemas import Criteria
from reciprocal.identity.models import Role
from reciprocal.identity.services import ROLE_NAMES
from reciprocal.kernel.dates import UK_TIME, govuk_date
from reciprocal.kernel.words import plural
from reciprocal.referrals.decisions import DECISIONS
from reciprocal.referrals.offers import REFUSAL_REASONS
from reciprocal.referrals.rules import ReferralAnswers, check
from reciprocal.referrals.viewings import OUTCOMES as VIEWING_OUTCOMES
from reciprocal.referrals.workflow import WORDS, State
from reciprocal.reminders.rules import Rung, Task


@dataclass(frozen=True)
class StageWords:
    state: State
    title: str
    """The stage's name on the work queue."""
    waiting: str
    """What the referrals in it wait for."""
    empty: str
    """What appears here, and how, when nothing does."""


STAGES = (
    StageWords(
        State.submitted,
        "New to check",
        "Check each against the scheme's criteria.",
        "Referrals appear here when a nominating officer submits them.",
    ),
    StageWords(
        State.returned,
        "Returned for information",
        "Waiting for the nominating officer to add what you asked for.",
        "Referrals you return for information wait here until the nominating officer resubmits them.",
    ),
    StageWords(
        State.awaiting_approval,
        "Awaiting landlord approval",
        "Waiting for a named lead of the applicant's current landlord.",
        "Referrals you send for approval wait here until the landlord's named lead approves or declines them.",
    ),
    StageWords(
        State.approved,
        "Ready to circulate",
        "Approved: they go to partners in the next batch.",
        "Referrals the landlord approves wait here for the next batch.",
    ),
    StageWords(
        State.circulating,
        "Circulating",
        "With the partners covering their safe areas, waiting for an offer.",
        "Referrals appear here once you release a batch.",
    ),
    StageWords(
        State.offer_made,
        "Under offer",
        "A property is offered: arrange the viewing, or record a refusal.",
        "Referrals appear here when a named lead offers a property.",
    ),
    StageWords(
        State.viewing,
        "At viewing",
        "Record the applicant's decision once they have viewed.",
        "Referrals appear here when you arrange a viewing.",
    ),
    StageWords(
        State.accepted,
        "Accepted: moves to confirm",
        "Record the move once the applicant has moved.",
        "Referrals appear here when an applicant accepts an offer.",
    ),
    StageWords(
        State.on_hold,
        "On hold",
        "The applicant's current landlord owes more than the debt cap: they wait until it reciprocates.",
        "Referrals of tenants of a landlord over the debt cap wait here.",
    ),
)
"""The work queue's stages, in the order a referral passes through them."""

STAGE_BY_STATE = {stage.state: stage for stage in STAGES}

STATE_TAGS = {
    State.draft: "govuk-tag--grey",
    State.submitted: "govuk-tag--blue",
    State.returned: "govuk-tag--yellow",
    State.ineligible: "govuk-tag--red",
    State.on_hold: "govuk-tag--orange",
    State.awaiting_approval: "govuk-tag--light-blue",
    State.declined: "govuk-tag--red",
    State.approved: "govuk-tag--turquoise",
    State.circulating: "govuk-tag--purple",
    State.offer_made: "govuk-tag--pink",
    State.viewing: "govuk-tag--pink",
    State.accepted: "govuk-tag--green",
    State.moved: "govuk-tag--green",
    State.closed: "govuk-tag--grey",
    State.withdrawn: "govuk-tag--grey",
    State.moved_elsewhere: "govuk-tag--green",
    State.handed_on: "govuk-tag--grey",
}
"""A GOV.UK tag colour per state: the same on every coordinator page."""


def state_words(state: State) -> str:
    """'Awaiting landlord approval': the state as a tag's words."""
    words = WORDS[state]
    return words[:1].upper() + words[1:]


def days_since(since: datetime | None, today: date) -> int | None:
    """Whole days from `since` (on the UK's clock) to `today`."""
    if since is None:
        return None
    return max((today - since.astimezone(UK_TIME).date()).days, 0)


def age(since: datetime | None, today: date) -> str:
    """'today', '1 day', '12 days'."""
    days = days_since(since, today)
    if days is None:
        return ""
    if days == 0:
        return "today"
    return "1 day" if days == 1 else f"{days} days"


def household(adults: int, children_ages: Iterable[int]) -> str:
    """'1 adult and 2 children (aged 3 and 7)'."""
    ages = sorted(children_ages)
    words = f"{adults} {'adult' if adults == 1 else 'adults'}"
    if not ages:
        return words
    listed = ", ".join(str(a) for a in ages[:-1]) + (" and " if len(ages) > 1 else "") + str(ages[-1])
    return f"{words} and {len(ages)} {'child' if len(ages) == 1 else 'children'} (aged {listed})"


def bedrooms(count: int | None) -> str:
    if count is None:
        return "Not given"
    if count == 0:
        return "Studio"
    return f"{count} {'bedroom' if count == 1 else 'bedrooms'}"


def listing(names: Iterable[str]) -> str:
    """'Brent, Hackney and Islington'."""
    items = sorted(names)
    if not items:
        return "None"
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} and {items[-1]}"


# The criteria check, rule by rule.


@dataclass(frozen=True)
class RuleCheck:
    rule: str
    """The rule, in the words the scheme's published criteria use."""
    problems: tuple[str, ...]
    """Why the referral fails it, in the check's own words; empty when it passes."""

    @property
    def passed(self) -> bool:
        return not self.problems


def criteria_check(answers: ReferralAnswers, criteria: Criteria, area_term: str) -> list[RuleCheck]:
    """`rules.check` against `criteria`, grouped by the rule each problem breaks, passes included.

    Every problem the check finds lands under exactly one rule: fields no rule names fall under a last one.
    """
    found: dict[str, list[str]] = {}
    for field_name, message in check(answers, criteria, area_term):
        found.setdefault(field_name, []).append(message)
    risk = criteria.risk_type(answers.risk_type)
    areas = f"{area_term}s"
    rules: list[tuple[str, tuple[str, ...]]] = [
        ("The applicant has consented to the referral", ("consent",)),
        ("A tenancy the scheme accepts, or a duty to house", ("tenancy_type",)),
        (f"Current landlord and {area_term} named", ("current_landlord_id", "current_area_id")),
        ("Household and bedrooms needed", ("adults", "children_ages", "bedrooms_needed")),
        ("A floor level asked for only with evidenced medical need", ("floor_level_need",)),
        ("Type of risk named", ("risk_type",)),
    ]
    free_text = ["pets", "access_needs", "resettlement_support"]
    if risk is not None and risk.name_risk_areas:
        rules.append((f"Name risk {areas}", ("risk_area_ids",)))
    if risk is not None and risk.name_safe_areas:
        count = risk.min_safe_areas
        rules.append((f"Name at least {count} safe {plural(area_term, count)}", ("safe_area_ids",)))
    else:
        rules.append((f"Safe {areas}, if named, are neither at risk nor where the applicant lives", ("safe_area_ids",)))
    if risk is not None and risk.risk_assessor_required:
        rules.append(("Risk assessor required", ("risk_assessor_id",)))
    if risk is not None and risk.aftercare_required:
        rules.append(("Support and aftercare in place", ("safeguarding_measures",)))
    else:
        free_text.append("safeguarding_measures")
    rules.append(("Nothing written identifies the applicant", tuple(free_text)))
    named = {f for _, fields in rules for f in fields}
    others = tuple(f for f in found if f not in named)
    if others:
        rules.append(("Everything else the criteria ask", others))
    return [RuleCheck(rule, tuple(m for f in fields for m in found.get(f, []))) for rule, fields in rules]


# The timeline.

EVENT_TITLES = {
    "referral.started": "Referral started",
    "referral.submit": "Submitted",
    "referral.resubmit": "Resubmitted",
    "referral.return_for_information": "Returned for information",
    "referral.mark_ineligible": "Found ineligible",
    "referral.put_on_hold": "Put on hold",
    "referral.release_hold": "Released from hold",
    "referral.request_approval": "Sent for landlord approval",
    "referral.approve": "Approved",
    "referral.decline": "Declined",
    "referral.circulate": "Circulated to partners",
    "referral.make_offer": "Property offered",
    "referral.add_offer": "Property offered, for the nominating officer to choose from",
    "referral.choose_offer": "Offer chosen by the nominating officer: the others released",
    "referral.record_decision": "Applicant's decision recorded",
    "referral.query_decision": "Decision queried",
    "referral.record_viewing": "Viewing recorded",
    "referral.withdraw_offer": "Offer withdrawn",
    "referral.arrange_viewing": "Viewing arranged",
    "referral.risk_assessed": "Risk assessment recorded",
    "referral.accept": "Offer accepted",
    "referral.refuse_and_recirculate": "Offer refused: circulating again",
    "referral.refuse_and_withdraw": "Offer refused: referral withdrawn",
    "referral.record_move": "Move recorded",
    "referral.close": "Closed",
    "referral.withdraw": "Withdrawn",
    "referral.record_other_pathway": "Moved through another pathway",
    "referral.withdraw_inactive": "Withdrawn after no update",
    "referral.viewed": "Viewed",
    "referral.still_needed": "Confirmed the applicant still needs to move",
    "reminder.reminder": "Reminder sent",
    "reminder.cover": "Reminder sent to cover",
    "reminder.stalled": "Stalled: shown on the work queue",
    "reminder.inactivity_notice": "Warned of withdrawal for inactivity",
    "referral.held_back": "Held back from batches",
    "referral.put_back": "Put back in the next batch",
    "referral.handed_over": "Handed over to another nominating officer",
    "referral.handed_on": "Handed to a successor scheme with its cohort",
    "referral.received": "Received from the scheme it was handed from, with its history",
    "referral.message_sent": "Message sent",
}

SYSTEM_EVENTS = frozenset(
    {
        "referral.put_on_hold",
        "referral.release_hold",
        "referral.withdraw_inactive",
        "referral.close",
        "reminder.reminder",
        "reminder.cover",
        "reminder.stalled",
        "reminder.inactivity_notice",
        "referral.circulate",
    }
)
"""Events the service itself may cause: without a person behind them, they are the service's."""

VIEWING_WORDS = {outcome.value: words for outcome, words in VIEWING_OUTCOMES.items()}

HOLD_REASONS = {
    "landlord_over_debt_cap": "The applicant's current landlord owes more than the scheme's debt cap",
    "landlord_reciprocated": "The applicant's current landlord has reciprocated",
}


BATCHES = {
    "scheduled": "In the batch the service released on the scheme's cadence",
    "now": "In a batch the coordinator released",
}
"""How a circulated referral's batch was released (services.release_batch)."""


ROLE_WORDS = {role.value: ROLE_NAMES[role].lower() for role in Role}
"""Roles as audit events record them, in words: 'named_lead' -> 'named lead'."""

STATE_VALUES = {state.value: state for state in State}


def event_title(action: str) -> str:
    return EVENT_TITLES.get(action) or action.rpartition(".")[2].replace("_", " ").capitalize()


def event_byline(action: str, name: str | None, role: str | None, organisation: str | None) -> str:
    """'by Sam Lee, coordinator, Pan London Reciprocal Coordination Team', or '' when no one is recorded."""
    if name is None:
        return "by the service" if action in SYSTEM_EVENTS else ""
    role_name = ROLE_WORDS.get(role or "")
    return "by " + ", ".join(part for part in (name, role_name, organisation) if part)


def event_description(details: dict[str, Any]) -> list[str]:
    """The event's details in words: the move between states, and why. Ids are left out."""
    lines: list[str] = []
    source, target = STATE_VALUES.get(str(details.get("from"))), STATE_VALUES.get(str(details.get("to")))
    if source is not None and target is not None and source != target:
        lines.append(f"From {WORDS[source]} to {WORDS[target]}")
    reason = details.get("reason")
    if reason in REFUSAL_REASONS:
        lines.append(f"Reason: {REFUSAL_REASONS[reason].lower()}")
    elif reason in HOLD_REASONS:
        lines.append(HOLD_REASONS[reason])
    if details.get("decision") in DECISIONS:
        lines.append(DECISIONS[details["decision"]])
    if details.get("outcome") in VIEWING_WORDS:
        lines.append(VIEWING_WORDS[details["outcome"]])
    if details.get("on"):
        lines.append(f"Viewing on {govuk_date(date.fromisoformat(str(details['on'])))}")
    if details.get("batch") in BATCHES:
        lines.append(BATCHES[details["batch"]])
    if details.get("officers"):
        lines.append(str(details["officers"]))  # a handover (coordinator.queries._described)
    if details.get("conversation"):
        # A message (coordinator.queries._described): whom it is between, and what it said.
        lines.append(f"With {details['conversation']}: {details.get('said', '')}")
    risk_identified = details.get("risk_identified")
    if risk_identified is not None:
        lines.append("Risk identified" if risk_identified == "True" else "No specific risk identified")
    if details.get("task") in TASK_WORDS:
        if details.get("rung") != Rung.stalled:
            to = reminded_to(str(details.get("rung")), details.get("role"), details.get("organisation"))
            lines.append(f"To {to}" if details.get("recipients", 1) else f"Nobody to remind: {to} has no account")
        days = details.get("working_days")
        count = int(days or 0)
        lines.append(f"{TASK_WORDS[str(details['task'])]}: waited {count} {plural('working day', count)}")
    return lines


# Reminders.

TASK_WORDS = {
    Task.approval.value: "Landlord approval",
    Task.offer_decision.value: "The applicant's decision on the offer",
    Task.viewing_outcome.value: "The outcome of the viewing",
    Task.risk_assessment.value: "The risk assessment",
    Task.officer_update.value: "An update from the nominating officer",
}
"""What a wait is for, on the timeline and the work queue's stalled list."""


def reminded_to(rung: str, role: str | None, organisation: str | None) -> str:
    """Who a reminder went to, by role and organisation: 'a named lead of Camden Council'."""
    of = f" of {organisation}" if organisation else ""
    if rung == Rung.cover:
        return f"the other named leads{of}"
    if role == Role.named_lead:
        return f"a named lead{of}"
    if role == Role.nominating_officer:
        return f"the nominating officer{', ' + organisation if organisation else ''}"
    return f"the {ROLE_WORDS.get(role or '', 'service')}"


DONE = {
    "return": "Returned to the nominating officer for information",
    "ineligible": "Marked ineligible: the nominating officer has been told why",
    "request-approval": "Sent to the current landlord for approval",
    "withdraw": "Withdrawn from the scheme",
    "moved-elsewhere": "Closed: the applicant moved through another pathway, with nothing in the ledger",
    "viewing": "Viewing arranged: the nominating officer and the named lead can now see each other's contacts",
    "accept": "Acceptance recorded",
    "refuse": "Refusal recorded",
    "move": "Move recorded: the ledger is updated",
    "handover": "Handed over: the new nominating officer has been told, and the one before no longer sees it",
    "confirm-decision": "Decision confirmed",
    "query-decision": "Decision queried: the nominating officer has been sent your note",
    "viewing-date": "The viewing's date is recorded",
    "viewing-outcome": "The viewing's outcome is recorded",
}
"""What a referral page announces after each action succeeds; the query names one, never free text."""


def state_tag(state: State) -> str:
    """The GOV.UK tag colour of a state."""
    return STATE_TAGS[state]


FILTERS: dict[str, Callable[..., str | list[str]]] = {
    "state_words": state_words,
    "state_tag": state_tag,
    "age": age,
    "household": household,
    "bedrooms": bedrooms,
    "listing": listing,
    "event_title": event_title,
    "event_byline": event_byline,
    "event_description": event_description,
    "reminded_to": reminded_to,
}
"""The coordinator's words as template filters (`{{ referral.state | state_words }}`), registered once."""
