"""Who may do what with an incident: viewing needs `VIEW_RESPONSE`, every command decision
`COMMAND_INCIDENTS`, both on the incident's area (a role on a street covers its communities)."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.areas.permissions import covers
from resigrid.response.incidents.models import Incident, IncidentTask


def can_view(user: Any, incident: Incident) -> bool:
    return covers(user, incident.area.code, Perm.VIEW_RESPONSE)


def can_open_in(user: Any, area: Area) -> bool:
    """Open an incident whose area is `area`."""
    return covers(user, area.code, Perm.COMMAND_INCIDENTS)


def can_open_within(user: Any, area: Area) -> bool:
    """Open an incident in `area` or in some part of it (a community secretary opens one for
    their community from the street's alert)."""
    prefixes = scope_prefixes(user, Perm.COMMAND_INCIDENTS)
    if prefixes is None:
        return True
    return any(area.code.startswith(p) or p.startswith(area.scope_prefix) for p in prefixes)


def can_command(user: Any, incident: Incident) -> bool:
    """Activate plans, move the state, assign roles and tasks, log decisions."""
    return covers(user, incident.area.code, Perm.COMMAND_INCIDENTS)


def can_complete(user: Any, task: IncidentTask) -> bool:
    """The command post, or the person the task is assigned to."""
    if task.assignee_id is not None and task.assignee_id == getattr(user, "pk", None):
        return bool(getattr(user, "is_active", False))
    return can_command(user, task.incident)
