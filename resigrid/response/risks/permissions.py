"""Who may read and keep the risk register: `VIEW_RESPONSE` to read, `MANAGE_RISKS` to write,
each on the risk point's area (a role on a street covers its communities and grids)."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.areas.permissions import covers


def can_view(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.VIEW_RESPONSE)


def can_manage(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.MANAGE_RISKS)


def views_somewhere(user: Any) -> bool:
    return scope_prefixes(user, Perm.VIEW_RESPONSE) != []


def manages_somewhere(user: Any) -> bool:
    return scope_prefixes(user, Perm.MANAGE_RISKS) != []
