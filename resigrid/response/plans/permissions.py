"""Who may see and change emergency plans. Reads only.

A plan belongs to an area: VIEW_RESPONSE on that area (or above it) shows it, MANAGE_PLANS on it
writes it (community staff and the levels above).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.areas.permissions import covers


def can_view_plans(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.VIEW_RESPONSE)


def can_manage_plans(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.MANAGE_PLANS)


def may_manage_plans_somewhere(user: Any) -> bool:
    return scope_prefixes(user, Perm.MANAGE_PLANS) != []


def plan_manager(user: Any) -> Callable[[Area], bool]:
    """`can_manage_plans` for many areas with one look-up of the user's roles."""
    prefixes = scope_prefixes(user, Perm.MANAGE_PLANS)
    return lambda area: prefixes is None or any(area.code.startswith(p) for p in prefixes)
