"""Who may do what with depots, stock and facilities: a role on an area covers its subtree."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.areas.permissions import covers


def can_view_resources(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.VIEW_RESOURCES)


def can_edit_resources(user: Any, area: Area) -> bool:
    """Create and change depots, minimum levels and facilities in the area."""
    return covers(user, area.code, Perm.EDIT_RESOURCES)


def can_move_stock(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.MOVE_STOCK)


def can_edit_catalogue(user: Any) -> bool:
    """The item catalogue is shared: anyone who edits resources somewhere may add to it."""
    return scope_prefixes(user, Perm.EDIT_RESOURCES) != []


def can_unmask_contact(user: Any, area: Area) -> bool:
    return can_view_resources(user, area) and covers(user, area.code, Perm.UNMASK_PERSONAL)


def can_import_resources(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.IMPORT_LEDGER) and can_edit_resources(user, area)
