"""Who may do what with notify objects, on role bindings (a role on an area covers its subtree)."""

from __future__ import annotations

from typing import Any

from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.notify.models import ROBOTS_PERM


def can_manage_robots(user: Any, area: Area) -> bool:
    """List, add, switch on and off the group robots serving `area`."""
    return covers(user, area.code, ROBOTS_PERM)
