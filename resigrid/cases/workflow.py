"""The case workflow as a table (GB/T 30428: 受理 → 立案 → 派遣 → 处置 → 核查 → 结案 → 回访).

Pure: no database. Services look moves up here; anything not in the table is illegal.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Not accepted")
    REGISTERED = "registered", _("Registered")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    HANDLED = "handled", _("Handled")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed")
    RATED = "rated", _("Rated")
    MERGED = "merged", _("Merged into another case")


class Action(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    REJECT = "reject", _("Reject")
    REGISTER = "register", _("Register")
    DISPATCH = "dispatch", _("Dispatch")
    RETURN = "return", _("Return as wrongly dispatched")
    START = "start", _("Start handling")
    HANDLE = "handle", _("Report the result")
    VERIFY_PASS = "verify_pass", _("Verify: passed")
    VERIFY_FAIL = "verify_fail", _("Verify: failed (rework)")
    CLOSE = "close", _("Close")
    RATE = "rate", _("Rate")
    REOPEN = "reopen", _("Reopen")
    MERGE = "merge", _("Merge into another case")


class Stage(models.TextChoices):
    """The clock that runs in a state."""

    ACCEPT = "accept", _("to accept")
    DISPATCH = "dispatch", _("to dispatch")
    HANDLE = "handle", _("to handle")
    VERIFY = "verify", _("to verify")


_OPEN_BEFORE_HANDLING = (
    State.REPORTED,
    State.ACCEPTED,
    State.REGISTERED,
    State.DISPATCHED,
    State.IN_PROGRESS,
)

TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.REPORTED, Action.ACCEPT): State.ACCEPTED,
    (State.REPORTED, Action.REJECT): State.REJECTED,
    (State.ACCEPTED, Action.REGISTER): State.REGISTERED,
    (State.REGISTERED, Action.DISPATCH): State.DISPATCHED,
    (State.DISPATCHED, Action.RETURN): State.REGISTERED,
    (State.IN_PROGRESS, Action.RETURN): State.REGISTERED,
    (State.DISPATCHED, Action.START): State.IN_PROGRESS,
    (State.DISPATCHED, Action.HANDLE): State.HANDLED,
    (State.IN_PROGRESS, Action.HANDLE): State.HANDLED,
    (State.HANDLED, Action.VERIFY_PASS): State.VERIFIED,
    (State.HANDLED, Action.VERIFY_FAIL): State.IN_PROGRESS,
    (State.VERIFIED, Action.CLOSE): State.CLOSED,
    (State.CLOSED, Action.RATE): State.RATED,
    (State.RATED, Action.REOPEN): State.DISPATCHED,
    **{(s, Action.MERGE): State.MERGED for s in _OPEN_BEFORE_HANDLING},
}

STAGE_OF: dict[State, Stage] = {
    State.REPORTED: Stage.ACCEPT,
    State.ACCEPTED: Stage.DISPATCH,
    State.REGISTERED: Stage.DISPATCH,
    State.DISPATCHED: Stage.HANDLE,
    State.IN_PROGRESS: Stage.HANDLE,
    State.HANDLED: Stage.VERIFY,
}

# States in which the case still needs work (the clock may run).
OPEN_STATES = frozenset(STAGE_OF)
# States a reporter's rating or a metric treats as finished.
FINISHED_STATES = frozenset({State.CLOSED, State.RATED})
TERMINAL_STATES = frozenset({State.REJECTED, State.RATED, State.MERGED})


class IllegalTransition(Exception):
    def __init__(self, state: State, action: Action) -> None:
        super().__init__(f"{action} is not allowed from {state}")
        self.state = state
        self.action = action


def next_state(state: State, action: Action) -> State:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTransition(state, action) from None


def allowed_actions(state: State) -> list[Action]:
    return [action for (s, action) in TRANSITIONS if s == state]


def stage_of(state: State) -> Stage | None:
    return STAGE_OF.get(state)


def keeps_stage(old: State, new: State) -> bool:
    """True when a move stays inside the same clock (dispatched → in progress keeps the handle
    deadline running instead of starting a new one)."""
    return STAGE_OF.get(old) is not None and STAGE_OF.get(old) == STAGE_OF.get(new)
