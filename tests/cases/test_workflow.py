"""The transition table: pure properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resigrid.cases.workflow import (
    FINISHED_STATES,
    OPEN_STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    IllegalTransition,
    State,
    allowed_actions,
    next_state,
    stage_of,
)


def _reachable(start: State) -> set[State]:
    seen = {start}
    todo = [start]
    while todo:
        state = todo.pop()
        for action in allowed_actions(state):
            nxt = next_state(state, action)
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("state", sorted(OPEN_STATES))
def test_every_open_state_can_still_finish(state: State) -> None:
    assert _reachable(state) & (FINISHED_STATES | TERMINAL_STATES)


def test_terminal_states_have_no_way_out_except_reopen() -> None:
    assert allowed_actions(State.REJECTED) == []
    assert allowed_actions(State.MERGED) == []
    assert allowed_actions(State.RATED) == [Action.REOPEN]


def test_open_states_are_exactly_those_with_a_clock() -> None:
    assert {s for s in State if stage_of(s) is not None} == set(OPEN_STATES)


@given(st.sampled_from(list(State)), st.sampled_from(list(Action)))
def test_next_state_is_the_table_or_illegal(state: State, action: Action) -> None:
    if (state, action) in TRANSITIONS:
        assert next_state(state, action) == TRANSITIONS[(state, action)]
    else:
        with pytest.raises(IllegalTransition):
            next_state(state, action)


@given(st.lists(st.sampled_from(list(Action)), max_size=40))
def test_any_sequence_of_legal_moves_stays_in_known_states(actions: list[Action]) -> None:
    state = State.REPORTED
    for action in actions:
        if action in allowed_actions(state):
            state = next_state(state, action)
    assert state in set(State)
    # From wherever we are, the case can always still be finished.
    assert _reachable(state) & (FINISHED_STATES | TERMINAL_STATES)
