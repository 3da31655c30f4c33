"""Template filters that decide whether to show the edit links: `grid|people_editable_by:user`.

The user's scope is read once per request (cached on the user object), so a list of fifty rows
costs one query per permission, not fifty.
"""

from __future__ import annotations

from typing import Any

from django import template

from resigrid.accounts.roles import Perm
from resigrid.people.models import Carer
from resigrid.people.reads import Scope

register = template.Library()


def _scope(user: Any) -> Scope:
    scope = getattr(user, "_people_edit_scope", None)
    if scope is None:
        scope = Scope(user)
        user._people_edit_scope = scope
    return scope


@register.filter
def people_editable_by(grid: Any, user: Any) -> bool:
    """True when `user` may change households, residents and volunteers in `grid`."""
    return grid is not None and _scope(user).covers(grid.code, Perm.EDIT_PEOPLE)


@register.filter
def may_add_households(user: Any) -> bool:
    """True when `user` may add households somewhere (EDIT_PEOPLE on some area)."""
    return _scope(user).prefixes(Perm.EDIT_PEOPLE) != []


@register.filter
def carer_kind_label(value: object) -> str:
    """The translated label of a carer kind code (`neighbour` → 邻居)."""
    return str(dict(Carer.Kind.choices).get(str(value), value))
