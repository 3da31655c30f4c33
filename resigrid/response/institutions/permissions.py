"""Who may see and keep the institution list: view with `VIEW_RESPONSE`, write with
`MANAGE_INSTITUTIONS` on the area. An inspection may also be recorded by the schedule's
responsible account and by grid staff of the area (who see its cases)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.areas.permissions import covers
from resigrid.response.institutions.models import InspectionSchedule


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def can_view(user: Any, area: Area) -> bool:
    return _active(user) and covers(user, area.code, Perm.VIEW_RESPONSE)


def can_manage(user: Any, area: Area) -> bool:
    return _active(user) and covers(user, area.code, Perm.MANAGE_INSTITUTIONS)


def can_record(user: Any, schedule: InspectionSchedule) -> bool:
    """Record an inspection of `schedule`."""
    if not _active(user):
        return False
    if schedule.responsible_user_id == user.pk or can_manage(user, schedule.area):
        return True
    code = schedule.area.code
    return covers(user, code, Perm.VIEW_RESPONSE) and covers(user, code, Perm.VIEW_CASES)


def managed_anywhere(user: Any) -> bool:
    """True when the user may keep the institution list of some area."""
    return scope_prefixes(user, Perm.MANAGE_INSTITUTIONS) != []


def checker(user: Any) -> tuple[Callable[[Area], bool], Callable[[InspectionSchedule], bool]]:
    """`can_manage` and `can_record` for many rows of one user, with the scopes read once."""
    manage = scope_prefixes(user, Perm.MANAGE_INSTITUTIONS)
    view = scope_prefixes(user, Perm.VIEW_RESPONSE)
    cases = scope_prefixes(user, Perm.VIEW_CASES)
    active = _active(user)

    def within(prefixes: list[str] | None, code: str) -> bool:
        return prefixes is None or any(code.startswith(p) for p in prefixes)

    def may_manage(area: Area) -> bool:
        return active and within(manage, area.code)

    def may_record(schedule: InspectionSchedule) -> bool:
        if not active:
            return False
        code = schedule.area.code
        return (
            schedule.responsible_user_id == user.pk
            or within(manage, code)
            or (within(view, code) and within(cases, code))
        )

    return may_manage, may_record
