"""Who may do what in recovery. Needs are about households: the right is checked on the
household's grid (so a role on the grid or any area above it covers it); reviews are about the
whole incident: the right is checked on the incident's area."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.response.incidents.models import Incident


def can_assess(user: Any, grid: Area) -> bool:
    """Record a needs assessment, match, start and close needs of households in `grid`."""
    return covers(user, grid.code, Perm.MANAGE_RECOVERY)


def can_review(user: Any, incident: Incident) -> bool:
    """Hold an after-action review of the incident and manage its improvement items."""
    return covers(user, incident.area.code, Perm.MANAGE_RECOVERY)


def can_see_health(user: Any, grid: Area) -> bool:
    """See the details of medical and psychological needs (sensitive personal information)."""
    return covers(user, grid.code, Perm.VIEW_VULNERABLE)
