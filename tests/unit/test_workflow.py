"""The referral workflow table, exhaustively: every (state, action, actor) is allowed or refused as written."""

from __future__ import annotations

import itertools

import pytest

from reciprocal.identity.models import Role
from reciprocal.referrals.workflow import (
    PAST,
    SYSTEM,
    TABLE,
    WORDS,
    Action,
    State,
    TransitionRefused,
    allowed_actions,
    transition,
)

ACTORS = [*Role, SYSTEM]

EXPECTED = {
    (State.draft, Action.submit): (State.submitted, {Role.nominating_officer}),
    (State.returned, Action.resubmit): (State.submitted, {Role.nominating_officer}),
    (State.submitted, Action.return_for_information): (State.returned, {Role.coordinator}),
    (State.submitted, Action.mark_ineligible): (State.ineligible, {Role.coordinator}),
    (State.submitted, Action.put_on_hold): (State.on_hold, {Role.coordinator, SYSTEM}),
    (State.on_hold, Action.release_hold): (State.submitted, {Role.coordinator, SYSTEM}),
    (State.submitted, Action.request_approval): (State.awaiting_approval, {Role.coordinator}),
    (State.awaiting_approval, Action.approve): (State.approved, {Role.named_lead}),
    (State.awaiting_approval, Action.decline): (State.declined, {Role.named_lead}),
    (State.approved, Action.circulate): (State.circulating, {Role.coordinator, SYSTEM}),
    (State.circulating, Action.make_offer): (State.offer_made, {Role.named_lead}),
    (State.circulating, Action.add_offer): (State.circulating, {Role.named_lead}),
    (State.circulating, Action.choose_offer): (State.offer_made, {Role.nominating_officer}),
    (State.offer_made, Action.record_decision): (State.offer_made, {Role.nominating_officer}),
    (State.viewing, Action.record_decision): (State.viewing, {Role.nominating_officer}),
    (State.offer_made, Action.query_decision): (State.offer_made, {Role.coordinator}),
    (State.viewing, Action.query_decision): (State.viewing, {Role.coordinator}),
    (State.viewing, Action.record_viewing): (State.viewing, {Role.nominating_officer, Role.coordinator}),
    (State.offer_made, Action.withdraw_offer): (State.circulating, {Role.named_lead, Role.coordinator}),
    (State.offer_made, Action.arrange_viewing): (State.viewing, {Role.coordinator}),
    (State.offer_made, Action.refuse_and_recirculate): (State.circulating, {Role.coordinator}),
    (State.offer_made, Action.refuse_and_withdraw): (State.withdrawn, {Role.coordinator}),
    (State.viewing, Action.accept): (State.accepted, {Role.coordinator}),
    (State.viewing, Action.refuse_and_recirculate): (State.circulating, {Role.coordinator}),
    (State.viewing, Action.refuse_and_withdraw): (State.withdrawn, {Role.coordinator}),
    (State.accepted, Action.record_move): (State.moved, {Role.coordinator}),
    (State.moved, Action.close): (State.closed, {Role.coordinator, SYSTEM}),
}
ACTIVE = [
    State.submitted,
    State.returned,
    State.on_hold,
    State.awaiting_approval,
    State.approved,
    State.circulating,
    State.offer_made,
    State.viewing,
    State.accepted,
]
for _state in ACTIVE:
    EXPECTED[(_state, Action.withdraw)] = (State.withdrawn, {Role.nominating_officer, Role.coordinator})
    EXPECTED[(_state, Action.withdraw_inactive)] = (State.withdrawn, {SYSTEM})
    EXPECTED[(_state, Action.record_other_pathway)] = (
        State.moved_elsewhere,
        {Role.nominating_officer, Role.coordinator},
    )


@pytest.mark.parametrize(("state", "action", "actor"), list(itertools.product(State, Action, ACTORS)))
def test_every_state_action_and_actor(state: State, action: Action, actor: str) -> None:
    expected = EXPECTED.get((state, action))
    if expected is not None and actor in expected[1]:
        result = transition(state, action, actor)
        assert result.target == expected[0]
        assert result.event == f"referral.{action.value}"
        assert action in allowed_actions(state, actor)
    else:
        with pytest.raises(TransitionRefused) as refused:
            transition(state, action, actor)
        assert refused.value.message.endswith(".")
        assert "Traceback" not in refused.value.message
        assert action not in allowed_actions(state, actor)


def test_the_table_is_exactly_the_expected_one() -> None:
    assert {key: (rule.target, set(rule.actors)) for key, rule in TABLE.items()} == EXPECTED


def test_terminal_states_allow_nothing() -> None:
    for state in (State.ineligible, State.declined, State.closed, State.withdrawn, State.moved_elsewhere):
        for actor in ACTORS:
            assert allowed_actions(state, actor) == []


def test_every_state_and_action_has_words() -> None:
    assert set(WORDS) == set(State)
    assert set(PAST) == set(Action)


def test_refusals_say_what_and_who() -> None:
    with pytest.raises(TransitionRefused, match=r"A referral that is a draft cannot be approved\."):
        transition(State.draft, Action.approve, Role.named_lead)
    with pytest.raises(TransitionRefused, match=r"Only a named lead can do that\."):
        transition(State.awaiting_approval, Action.approve, Role.coordinator)


def test_the_toolkit_domestic_abuse_journey_reaches_moved() -> None:
    steps = [
        (Action.submit, Role.nominating_officer),
        (Action.request_approval, Role.coordinator),
        (Action.approve, Role.named_lead),
        (Action.circulate, Role.coordinator),
        (Action.make_offer, Role.named_lead),
        (Action.arrange_viewing, Role.coordinator),
        (Action.accept, Role.coordinator),
        (Action.record_move, Role.coordinator),
    ]
    state = State.draft
    for action, actor in steps:
        state = transition(state, action, actor).target
    assert state == State.moved
