"""Who may do what with Party organisations and units: a role on an area covers its subtree."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers


def can_view_orgs(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.VIEW_ORGS)


def can_edit_orgs(user: Any, area: Area) -> bool:
    """Create and change Party organisations, members, units, contacts and commitments."""
    return covers(user, area.code, Perm.EDIT_ORGS)


def can_unmask_contacts(user: Any, area: Area) -> bool:
    """See unit contacts' phone numbers in full (each read is logged)."""
    return covers(user, area.code, Perm.VIEW_ORGS) and covers(user, area.code, Perm.UNMASK_PERSONAL)


def can_import_units(user: Any, area: Area) -> bool:
    return covers(user, area.code, Perm.IMPORT_LEDGER) and can_edit_orgs(user, area)


def can_export_units(user: Any, area: Area) -> bool:
    """The units ledger holds contacts' phones (personal data): export is gated and logged."""
    return covers(user, area.code, Perm.EXPORT_PERSONAL) and can_view_orgs(user, area)
