"""Who may do what on an area: a role bound to an area covers that area's whole subtree."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes


def covers(user: Any, code: str, perm: Perm) -> bool:
    """True when `user` holds `perm` on a subtree containing the area code `code`."""
    prefixes = scope_prefixes(user, perm)
    if prefixes is None:
        return True
    return any(code.startswith(p) for p in prefixes)


def can_view_area(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.VIEW_AREA)


def can_edit_area(user: Any, area: Area) -> bool:
    """Edit the area itself (name, boundary, figures) and create areas below it."""
    return covers(user, area.code, Perm.EDIT_AREA)


def can_import_into(user: Any, area: Area) -> bool:
    """Import a GeoJSON file into the subtree of `area`, or export it."""
    return covers(user, area.code, Perm.IMPORT_AREA)


def can_create_root(user: Any) -> bool:
    """Districts have no parent: only an account with edit rights everywhere may add one."""
    return scope_prefixes(user, Perm.EDIT_AREA) is None
