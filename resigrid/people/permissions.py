"""Who may do what with residents: a role on an area covers every grid below it."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers


def can_view_people(user: Any, grid: Area) -> bool:
    return covers(user, grid.code, Perm.VIEW_PEOPLE)


def can_edit_people(user: Any, grid: Area) -> bool:
    """Create and change households, residents, volunteers and contact-log entries."""
    return covers(user, grid.code, Perm.EDIT_PEOPLE)


def can_view_vulnerable(user: Any, grid: Area) -> bool:
    """See who is vulnerable and why, their carers and contact log (sensitive data)."""
    return covers(user, grid.code, Perm.VIEW_VULNERABLE)


def can_edit_vulnerable(user: Any, grid: Area) -> bool:
    """Tag people, record needs and carers: only who may both edit and see them."""
    return can_edit_people(user, grid) and can_view_vulnerable(user, grid)


def can_unmask(user: Any, grid: Area) -> bool:
    return covers(user, grid.code, Perm.UNMASK_PERSONAL)


def can_export_people(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.EXPORT_PERSONAL)


def can_import_people(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.IMPORT_LEDGER) and can_edit_people(user, area)
