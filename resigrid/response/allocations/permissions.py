"""Who may allocate supplies and who may confirm a delivery at a grid.

Planning, reserving, issuing and cancelling need `Perm.ALLOCATE_SUPPLIES` on the plan's area
(and on each depot drawn from). A delivery is confirmed at the grid that receives it: by anyone
holding `ALLOCATE_SUPPLIES` there, or by the grid's own workers (`SWEEP_VULNERABLE` on the grid,
which grid workers hold), since they are the ones who meet the truck.
"""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers


def can_view_allocations(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.VIEW_RESPONSE)


def can_allocate(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.ALLOCATE_SUPPLIES)


def can_confirm_delivery(user: Any, grid: Area) -> bool:
    return covers(user, grid.code, Perm.ALLOCATE_SUPPLIES) or covers(
        user, grid.code, Perm.SWEEP_VULNERABLE
    )
