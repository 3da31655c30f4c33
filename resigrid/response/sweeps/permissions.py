"""Who may start, run and record sweeps: a role on an area covers its whole subtree."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.areas.permissions import covers
from resigrid.people.models import Carer
from resigrid.response.sweeps.models import SweepContact


def can_start_sweep(user: Any, area: Area) -> bool:
    """Start or close a sweep of `area`: the sweep verb on the whole area."""
    return covers(user, area.code, Perm.SWEEP_VULNERABLE)


def can_view_progress(user: Any, area: Area) -> bool:
    """Counts per grid (no names): anyone who sees the response of the area or of a part of it
    (a grid worker follows the community's sweep)."""
    for perm in (Perm.VIEW_RESPONSE, Perm.SWEEP_VULNERABLE):
        prefixes = scope_prefixes(user, perm)
        if prefixes is None:
            return True
        if any(area.code.startswith(p) or p.startswith(area.scope_prefix) for p in prefixes):
            return True
    return False


def can_see_names(user: Any, grid: Area) -> bool:
    """Who is vulnerable is sensitive: names need the sweep and the vulnerable verbs there."""
    return covers(user, grid.code, Perm.SWEEP_VULNERABLE) and covers(
        user, grid.code, Perm.VIEW_VULNERABLE
    )


def can_record(user: Any, contact: SweepContact) -> bool:
    """The grid's worker or community staff (the sweep verb on the person's grid), the account
    the contact is assigned to, or an active carer of the person with an account."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if contact.assigned_to_id == user.pk:
        return True
    if covers(user, contact.grid.code, Perm.SWEEP_VULNERABLE):
        return True
    return Carer.objects.filter(person_id=contact.person_id, user=user, active=True).exists()


def can_unmask(user: Any, grid: Area) -> bool:
    return covers(user, grid.code, Perm.UNMASK_PERSONAL)
