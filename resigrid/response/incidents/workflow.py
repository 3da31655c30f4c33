"""The incident's states and the moves between them (pure, no database).

active → stabilised → recovery → closed, and back from stabilised to active when it flares up.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from resigrid.registers.choices import ResponseLevel
from resigrid.response.incidents.models import IncidentState

ACTIONS: dict[str, tuple[IncidentState, IncidentState]] = {
    "stabilise": (IncidentState.ACTIVE, IncidentState.STABILISED),
    "flare_up": (IncidentState.STABILISED, IncidentState.ACTIVE),
    "recover": (IncidentState.STABILISED, IncidentState.RECOVERY),
    "close": (IncidentState.RECOVERY, IncidentState.CLOSED),
}

LABELS: dict[str, Any] = {
    "stabilise": _("Declare stabilised"),
    "flare_up": _("It flared up again: back to active"),
    "recover": _("Move to recovery"),
    "close": _("Close the incident"),
}


def next_state(state: str, action: str) -> IncidentState | None:
    move = ACTIONS.get(action)
    if move is None or move[0] != state:
        return None
    return move[1]


def moves(state: str) -> list[str]:
    """The actions allowed from `state`, in table order."""
    return [action for action, (source, _target) in ACTIONS.items() if source == state]


def severity(level: str) -> int:
    """4 for level I (most severe) … 1 for level IV; 0 when unknown."""
    order = [ResponseLevel.IV, ResponseLevel.III, ResponseLevel.II, ResponseLevel.I]
    return order.index(ResponseLevel(level)) + 1 if level in ResponseLevel.values else 0


LOG_LABELS: dict[str, Any] = {
    "opened": _("Opened"),
    "plan_activated": _("Plan activated"),
    "escalated": _("Level raised"),
    "de_escalated": _("Level lowered"),
    "stabilise": _("Stabilised"),
    "flare_up": _("Flared up again"),
    "recover": _("Moved to recovery"),
    "close": _("Closed"),
    "decision": _("Decision"),
    "task_created": _("Task created"),
    "task_assigned": _("Task assigned"),
    "task_done": _("Task done"),
    "task_cancelled": _("Task cancelled"),
    "seat_assigned": _("Command post seat assigned"),
    "sitrep": _("Situation report downloaded"),
}
