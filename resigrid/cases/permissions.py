"""Who may move a case: community staff manage it, the dispatched unit handles it, someone other
than the handler verifies it, the reporter rates it. Reads only."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.roles import Perm
from resigrid.areas.permissions import covers
from resigrid.cases.models import Case, Whistle
from resigrid.orgs.models import UnitAccount


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def acts_for(user: Any, unit_id: int | None) -> bool:
    if unit_id is None or not _active(user):
        return False
    return UnitAccount.objects.filter(unit_id=unit_id, user=user).exists()


def can_view(user: Any, case: Case) -> bool:
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


def can_manage(user: Any, case: Case) -> bool:
    """Accept, reject, register, dispatch, close, merge, whistle and decide requests."""
    return _active(user) and covers(user, case.grid.code, Perm.MANAGE_CASES)


def can_handle(user: Any, case: Case) -> bool:
    """Start, report the result, return, ask for postponement or suspension: the lead unit's
    accounts, or the community itself (自办)."""
    return acts_for(user, case.lead_unit_id) or can_manage(user, case)


def can_verify(user: Any, case: Case) -> bool:
    """Anyone with the verify right on the grid except the person who reported the result."""
    if not _active(user) or not covers(user, case.grid.code, Perm.VERIFY_CASES):
        return False
    return case.handled_by_id is None or case.handled_by_id != user.pk


def can_rate(user: Any, case: Case) -> bool:
    return _active(user) and case.reporter_id is not None and case.reporter_id == user.pk


def can_answer(user: Any, whistle: Whistle) -> bool:
    return acts_for(user, whistle.unit_id)
