"""Who may see and change the categories and the responsibility list. Reads only.

Categories and their time limits are global (one tree for the whole deployment, also the
Open311 service list): changing them needs EDIT_DUTIES everywhere (a superuser or a role on a
district). A duty belongs to an area: EDIT_DUTIES on a subtree (street, district) covers it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resigrid.accounts.permissions import holds_globally
from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.areas.permissions import covers


def can_view_registers(user: Any) -> bool:
    """Staff who see units somewhere see the category tree and their responsibility lists."""
    return scope_prefixes(user, Perm.VIEW_ORGS) != []


def can_view_duties(user: Any, area: Area) -> bool:
    """The responsibility list of `area` (with the rules it inherits from above)."""
    return covers(user, area.code, Perm.VIEW_ORGS)


def can_edit_categories(user: Any) -> bool:
    return holds_globally(user, Perm.EDIT_DUTIES)


def can_edit_duty(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.EDIT_DUTIES)


def may_edit_duties_somewhere(user: Any) -> bool:
    return scope_prefixes(user, Perm.EDIT_DUTIES) != []


def duty_editor(user: Any) -> Callable[[Area], bool]:
    """`can_edit_duty` for many areas with one look-up of the user's roles."""
    prefixes = scope_prefixes(user, Perm.EDIT_DUTIES)
    return lambda area: prefixes is None or any(area.code.startswith(p) for p in prefixes)
