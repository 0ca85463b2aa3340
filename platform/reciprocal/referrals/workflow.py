"""A referral's life as a pure table: (state, action) -> next state, and who may take the action.

No I/O here: services load the referral, ask `transition`, then save the new state and its events in
one transaction. Conditions that need data (criteria, the risk assessment, the offers cap) are checked
by the services before they ask; this table says only what is ever allowed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from reciprocal.identity.models import Role
from reciprocal.kernel.errors import Refused


class State(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    """Returned to the nominating officer for more information."""
    ineligible = "ineligible"
    on_hold = "on_hold"
    """The current landlord owes more than the scheme's debt cap: waits until it reciprocates."""
    awaiting_approval = "awaiting_approval"
    declined = "declined"
    """The current landlord's named lead declined it."""
    approved = "approved"
    circulating = "circulating"
    offer_made = "offer_made"
    viewing = "viewing"
    accepted = "accepted"
    moved = "moved"
    closed = "closed"
    withdrawn = "withdrawn"
    moved_elsewhere = "moved_elsewhere"
    handed_on = "handed_on"
    """Handed, with its cohort, to a successor scheme where it goes on under a new reference (cohorts.moving)."""
    """Housed through another pathway the criteria name (Housing Moves): no ledger entries, reported apart."""


class Action(enum.StrEnum):
    submit = "submit"
    resubmit = "resubmit"
    return_for_information = "return_for_information"
    mark_ineligible = "mark_ineligible"
    put_on_hold = "put_on_hold"
    release_hold = "release_hold"
    request_approval = "request_approval"
    approve = "approve"
    decline = "decline"
    circulate = "circulate"
    make_offer = "make_offer"
    add_offer = "add_offer"
    """An offer beside others, where the risk type does not cap offers at one: the referral keeps circulating."""
    choose_offer = "choose_offer"
    """The nominating officer chooses which of the offers side by side to pursue: the others are released."""
    arrange_viewing = "arrange_viewing"
    accept = "accept"
    refuse_and_recirculate = "refuse_and_recirculate"
    """Refused on risk or an unmet need (or the scheme lets applicants refuse): back to circulation."""
    refuse_and_withdraw = "refuse_and_withdraw"
    """A suitable offer refused for another reason, where the refusal rule withdraws the referral."""
    withdraw_offer = "withdraw_offer"
    record_decision = "record_decision"
    """The nominating officer records the applicant's decision on the offer, for the coordinator to confirm."""
    query_decision = "query_decision"
    """The coordinator sends the recorded decision back to the nominating officer with a note."""
    record_viewing = "record_viewing"
    """A viewing's date, or its outcome (viewed, did not attend, rearranged)."""
    record_move = "record_move"
    close = "close"
    withdraw = "withdraw"
    withdraw_inactive = "withdraw_inactive"
    record_other_pathway = "record_other_pathway"
    """The applicant was housed through another pathway (Housing Moves, another scheme the criteria name)."""


SYSTEM = "system"
"""Scheduled jobs (inactivity, debt-cap holds) act as the system, never as a person."""

Party = Role | str
"""Who may take a step: a person in a role, or SYSTEM. (A signed-in person is an identity.services.Actor.)"""

OFFICER = frozenset({Role.nominating_officer})
COORDINATOR = frozenset({Role.coordinator})
NAMED_LEAD = frozenset({Role.named_lead})
COORDINATOR_OR_SYSTEM = frozenset({Role.coordinator, SYSTEM})

ACTIVE = frozenset(
    {
        State.submitted,
        State.returned,
        State.on_hold,
        State.awaiting_approval,
        State.approved,
        State.circulating,
        State.offer_made,
        State.viewing,
        State.accepted,
    }
)
"""States a referral can still be withdrawn from."""

OFFER_HELD = frozenset({State.offer_made, State.viewing, State.accepted})
"""States in which a live offer holds a property (and its address) for the referral."""

ENDED = frozenset(
    {
        State.ineligible,
        State.declined,
        State.moved,
        State.closed,
        State.withdrawn,
        State.moved_elsewhere,
        State.handed_on,
    }
)
"""States a referral's work has ended in: it keeps its page and timeline, and counts in reports, as long as kept."""

MILESTONES = {State.approved: "approved_at", State.offer_made: "offered_at", **dict.fromkeys(ENDED, "ended_at")}
"""The referral's column stamped the first time it reaches each of these states: what stage times come from."""


@dataclass(frozen=True)
class Rule:
    target: State
    actors: frozenset[Party]


TABLE: dict[tuple[State, Action], Rule] = {
    (State.draft, Action.submit): Rule(State.submitted, OFFICER),
    (State.returned, Action.resubmit): Rule(State.submitted, OFFICER),
    (State.submitted, Action.return_for_information): Rule(State.returned, COORDINATOR),
    (State.submitted, Action.mark_ineligible): Rule(State.ineligible, COORDINATOR),
    (State.submitted, Action.put_on_hold): Rule(State.on_hold, COORDINATOR_OR_SYSTEM),
    (State.on_hold, Action.release_hold): Rule(State.submitted, COORDINATOR_OR_SYSTEM),
    (State.submitted, Action.request_approval): Rule(State.awaiting_approval, COORDINATOR),
    (State.awaiting_approval, Action.approve): Rule(State.approved, NAMED_LEAD),
    (State.awaiting_approval, Action.decline): Rule(State.declined, NAMED_LEAD),
    (State.approved, Action.circulate): Rule(State.circulating, COORDINATOR_OR_SYSTEM),
    (State.circulating, Action.make_offer): Rule(State.offer_made, NAMED_LEAD),
    (State.circulating, Action.add_offer): Rule(State.circulating, NAMED_LEAD),
    (State.circulating, Action.choose_offer): Rule(State.offer_made, OFFICER),
    (State.offer_made, Action.withdraw_offer): Rule(State.circulating, NAMED_LEAD | COORDINATOR),
    (State.offer_made, Action.arrange_viewing): Rule(State.viewing, COORDINATOR),
    (State.offer_made, Action.refuse_and_recirculate): Rule(State.circulating, COORDINATOR),
    (State.offer_made, Action.refuse_and_withdraw): Rule(State.withdrawn, COORDINATOR),
    (State.viewing, Action.accept): Rule(State.accepted, COORDINATOR),
    (State.viewing, Action.record_viewing): Rule(State.viewing, OFFICER | COORDINATOR),
    **{(state, Action.record_decision): Rule(state, OFFICER) for state in (State.offer_made, State.viewing)},
    **{(state, Action.query_decision): Rule(state, COORDINATOR) for state in (State.offer_made, State.viewing)},
    (State.viewing, Action.refuse_and_recirculate): Rule(State.circulating, COORDINATOR),
    (State.viewing, Action.refuse_and_withdraw): Rule(State.withdrawn, COORDINATOR),
    (State.accepted, Action.record_move): Rule(State.moved, COORDINATOR),
    (State.moved, Action.close): Rule(State.closed, COORDINATOR_OR_SYSTEM),
    **{(state, Action.withdraw): Rule(State.withdrawn, OFFICER | COORDINATOR) for state in ACTIVE},
    **{(state, Action.withdraw_inactive): Rule(State.withdrawn, frozenset({SYSTEM})) for state in ACTIVE},
    **{(state, Action.record_other_pathway): Rule(State.moved_elsewhere, OFFICER | COORDINATOR) for state in ACTIVE},
}


class TransitionRefused(Refused):
    """The action is not allowed: `message` says why, in words for the page."""


@dataclass(frozen=True)
class Transition:
    source: State
    action: Action
    target: State

    @property
    def event(self) -> str:
        """The audit event this transition writes."""
        return f"referral.{self.action.value}"


def allowed_actions(state: State, actor: Party) -> list[Action]:
    """What `actor` may do to a referral in `state`: the buttons a page shows, and nothing else."""
    return [action for (source, action), rule in TABLE.items() if source == state and actor in rule.actors]


def transition(state: State, action: Action, actor: Party) -> Transition:
    """The transition `actor` asks for, or TransitionRefused saying why not."""
    rule = TABLE.get((state, action))
    if rule is None:
        raise TransitionRefused(f"A referral that is {describe(state)} cannot be {PAST[action]}.")
    if actor not in rule.actors:
        raise TransitionRefused(f"Only {_who(rule.actors)} can do that.")
    return Transition(state, action, rule.target)


WORDS = {
    State.draft: "a draft",
    State.submitted: "submitted",
    State.returned: "returned for information",
    State.ineligible: "ineligible",
    State.on_hold: "on hold",
    State.awaiting_approval: "awaiting landlord approval",
    State.declined: "declined by the landlord",
    State.approved: "approved",
    State.circulating: "circulating",
    State.offer_made: "under offer",
    State.viewing: "at viewing",
    State.accepted: "accepted",
    State.moved: "moved",
    State.closed: "closed",
    State.withdrawn: "withdrawn",
    State.moved_elsewhere: "moved through another pathway",
    State.handed_on: "handed to a successor scheme",
}

PAST = {
    Action.submit: "submitted",
    Action.resubmit: "resubmitted",
    Action.return_for_information: "returned for information",
    Action.mark_ineligible: "marked ineligible",
    Action.put_on_hold: "put on hold",
    Action.release_hold: "released from hold",
    Action.request_approval: "sent for landlord approval",
    Action.approve: "approved",
    Action.decline: "declined",
    Action.circulate: "circulated",
    Action.make_offer: "offered a property",
    Action.add_offer: "offered a property",
    Action.choose_offer: "given a choice of offer",
    Action.withdraw_offer: "have its offer withdrawn",
    Action.record_decision: "given the applicant's decision",
    Action.query_decision: "have its decision queried",
    Action.record_viewing: "given a viewing's date or outcome",
    Action.arrange_viewing: "given a viewing",
    Action.accept: "accepted",
    Action.refuse_and_recirculate: "refused and recirculated",
    Action.refuse_and_withdraw: "refused and withdrawn",
    Action.record_move: "recorded as moved",
    Action.close: "closed",
    Action.withdraw: "withdrawn",
    Action.withdraw_inactive: "withdrawn for inactivity",
    Action.record_other_pathway: "recorded as moved through another pathway",
}

_ACTOR_WORDS = {
    Role.nominating_officer: "the nominating officer",
    Role.named_lead: "a named lead",
    Role.coordinator: "the coordinator",
    Role.risk_assessor: "the risk assessor",
    Role.scheme_admin: "a scheme admin",
    Role.funder: "a funder",
    SYSTEM: "the service",
}


def describe(state: State) -> str:
    return WORDS[state]


def _who(actors: frozenset[Party]) -> str:
    names = sorted(_ACTOR_WORDS[a] for a in actors if a != SYSTEM) or ["the service"]
    return " or ".join(names)
