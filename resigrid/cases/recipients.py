"""Who hears about a case: reads only (used by feedback and the sweeper)."""

from __future__ import annotations

from typing import Any

from resigrid.accounts.models import RoleBinding, User
from resigrid.accounts.roles import Perm, Role, roles_granting
from resigrid.cases.models import Case
from resigrid.orgs.models import UnitAccount
from resigrid.registers import snapshot
from resigrid.registers.reads import area_chain


def _bound(area_ids: list[int], roles: list[str]) -> list[User]:
    ids = RoleBinding.objects.filter(area_id__in=area_ids, role__in=roles).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def managers(case: Case, level: int = 0) -> list[User]:
    """Case managers `level` steps above the grid's community: 0 the community, 1 the street,
    2 the district. Falls back to the nearest level that has anyone.

    One query: the chain comes from the routing snapshot, and the bindings of every level are
    read at once (the nearest level with anyone wins)."""
    ids = snapshot.current().area_chain_ids(case.grid_id)
    if ids is None:
        ids = [a.pk for a in area_chain(case.grid)]
    chain = ids[1:]  # community, street, district
    levels = chain[min(level, len(chain) - 1) :]
    if not levels:
        return []
    roles = [r for r in roles_granting(Perm.MANAGE_CASES) if r != Role.ADMIN]
    bound = (
        RoleBinding.objects.filter(area_id__in=levels, role__in=roles, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    by_area: dict[int, dict[int, User]] = {}
    for binding in bound:
        by_area.setdefault(binding.area_id, {}).setdefault(binding.user_id, binding.user)
    for area_id in levels:
        if area_id in by_area:
            return list(by_area[area_id].values())
    return []


def grid_workers(case: Case) -> list[User]:
    return _bound([case.grid_id], [Role.GRID_WORKER])


def unit_accounts(unit_ids: list[int]) -> list[User]:
    ids = UnitAccount.objects.filter(unit_id__in=unit_ids).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def handlers(case: Case) -> list[User]:
    """The lead unit's accounts; the community managers when the community handles it itself."""
    if case.lead_unit_id is None:
        return managers(case)
    return unit_accounts([case.lead_unit_id]) or managers(case)


def reporter(case: Case) -> tuple[list[Any], list[str]]:
    """The reporter as (users, extra email addresses)."""
    users = [case.reporter] if case.reporter_id is not None else []
    emails = [case.contact_email] if case.contact_email else []
    return users, emails
