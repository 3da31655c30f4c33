"""Who may draft, approve, publish and withdraw bulletins: a role on an area covers its
subtree. Approval needs a second person (four eyes), checked in the services."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers


def can_draft(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.DRAFT_BULLETINS)


def can_approve(user: Any, area: Area) -> bool:
    """Approve, publish and withdraw."""
    return covers(user, area.code, Perm.APPROVE_BULLETINS)
