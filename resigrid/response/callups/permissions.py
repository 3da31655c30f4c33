"""Who may do what with call-ups: coordinators on the call-up's area; volunteers on their own."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.areas.permissions import covers
from resigrid.people.models import Volunteer


def can_coordinate(user: Any, area: Area) -> bool:
    """Publish call-ups in the area, propose, confirm and decline assignments."""
    return covers(user, area.code, Perm.COORDINATE_VOLUNTEERS)


def can_coordinate_somewhere(user: Any) -> bool:
    return scope_prefixes(user, Perm.COORDINATE_VOLUNTEERS) != []


def can_link_account(user: Any, volunteer: Volunteer) -> bool:
    """Give a volunteer their login: who coordinates or edits people in their grid."""
    code = volunteer.person.grid.code
    return covers(user, code, Perm.COORDINATE_VOLUNTEERS) or covers(user, code, Perm.EDIT_PEOPLE)


def volunteer_of(user: Any) -> Volunteer | None:
    """The active volunteer an account logs in as, or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return (
        Volunteer.objects.select_related("person__grid")
        .filter(account__user=user, active=True)
        .first()
    )


def is_volunteer(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return Volunteer.objects.filter(account__user=user, active=True).exists()
