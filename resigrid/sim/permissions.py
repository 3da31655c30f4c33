"""Who may create and run scenarios: a role with RUN_SIMULATIONS on the area's subtree."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.areas.permissions import covers


def can_run_simulations(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.RUN_SIMULATIONS)


def may_simulate_somewhere(user: Any) -> bool:
    return scope_prefixes(user, Perm.RUN_SIMULATIONS) != []
