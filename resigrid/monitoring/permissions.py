"""Who may do what with sensors and rules: a role on an area covers its subtree; the accounts of
a sensor's owner unit may send its readings.

Managing sensors and rules and sending readings have verbs of their own (MANAGE_SENSORS,
SEND_READINGS: community staff and the levels above; not grid workers, residents or
departments); seeing them rides on VIEW_RESOURCES (sensors are equipment, like facilities)."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.areas.permissions import covers
from resigrid.orgs.models import UnitAccount

MANAGE_PERM = Perm.MANAGE_SENSORS
SEND_PERM = Perm.SEND_READINGS
VIEW_PERM = Perm.VIEW_RESOURCES


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_view_monitoring(user: Any) -> bool:
    return _active(user) and (
        scope_prefixes(user, VIEW_PERM) != [] or UnitAccount.objects.filter(user=user).exists()
    )


def can_manage_sensors(user: Any, area: Area) -> bool:
    """Add, change and remove sensors and rules in the area."""
    return _active(user) and covers(user, area.code, MANAGE_PERM)


def can_draft_alerts_from(user: Any, area: Area) -> bool:
    """A rule that drafts alerts issued by `area` needs someone who may issue them there."""
    return _active(user) and covers(user, area.code, Perm.ISSUE_ALERTS)


def can_open_cases_in(user: Any, area: Area) -> bool:
    """A rule that opens cases of source “sensor” needs someone who may see cases there."""
    return _active(user) and covers(user, area.code, Perm.VIEW_CASES)


class SendAccess:
    """Which sensors a caller may send readings for, computed once per batch."""

    def __init__(self, user: Any) -> None:
        self.active = _active(user)
        self.prefixes = scope_prefixes(user, SEND_PERM) if self.active else []
        self.unit_ids: set[int] = (
            set(UnitAccount.objects.filter(user=user).values_list("unit_id", flat=True))
            if self.active
            else set()
        )

    def allows(self, grid_code: str, owner_unit_id: int | None) -> bool:
        if not self.active:
            return False
        if owner_unit_id is not None and owner_unit_id in self.unit_ids:
            return True
        if self.prefixes is None:
            return True
        return any(grid_code.startswith(p) for p in self.prefixes)
