"""Sensors and readings have verbs of their own (MANAGE_SENSORS, SEND_READINGS), granted to
community staff and the levels above — and no longer tied to editing resources."""

from __future__ import annotations

from typing import Any

import pytest

from resigrid.accounts import roles
from resigrid.accounts.roles import Perm, Role, roles_granting
from resigrid.monitoring.permissions import SendAccess, can_manage_sensors
from tests.factories import Tree

pytestmark = pytest.mark.django_db

EXPECTED = [
    "community_staff",
    "community_secretary",
    "street_staff",
    "district_staff",
    "admin",
]


def test_the_role_table() -> None:
    assert roles_granting(Perm.MANAGE_SENSORS) == EXPECTED
    assert roles_granting(Perm.SEND_READINGS) == EXPECTED
    for role in (Role.RESIDENT, Role.GRID_WORKER, Role.DEPARTMENT_STAFF):
        assert Perm.MANAGE_SENSORS not in roles.ROLE_PERMISSIONS[role]
        assert Perm.SEND_READINGS not in roles.ROLE_PERMISSIONS[role]


def test_who_may_manage_and_send(
    tree: Tree,
    community_staff: Any,
    street_admin: Any,
    grid_worker: Any,
    department: Any,
    resident: Any,
) -> None:
    grid11 = tree.grid11
    code = grid11.code
    assert [
        (can_manage_sensors(u, grid11), SendAccess(u).allows(code, None))
        for u in (community_staff, street_admin, grid_worker, department, resident)
    ] == [(True, True), (True, True), (False, False), (False, False), (False, False)]
    # Community staff of community 1 neither manage nor send in community 2.
    assert not can_manage_sensors(community_staff, tree.grid21)
    assert not SendAccess(community_staff).allows(tree.grid21.code, None)


def test_the_monitoring_verbs_do_not_ride_on_resources(
    tree: Tree, community_staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Taking EDIT_RESOURCES away from community staff leaves their sensor rights alone, and
    taking MANAGE_SENSORS / SEND_READINGS away removes them."""
    table = dict(roles.ROLE_PERMISSIONS)
    table[Role.COMMUNITY_STAFF] = table[Role.COMMUNITY_STAFF] - {Perm.EDIT_RESOURCES}
    monkeypatch.setattr(roles, "ROLE_PERMISSIONS", table)
    assert can_manage_sensors(community_staff, tree.grid11)
    assert SendAccess(community_staff).allows(tree.grid11.code, None)
    table[Role.COMMUNITY_STAFF] = table[Role.COMMUNITY_STAFF] - {
        Perm.MANAGE_SENSORS,
        Perm.SEND_READINGS,
    }
    assert not can_manage_sensors(community_staff, tree.grid11)
    assert not SendAccess(community_staff).allows(tree.grid11.code, None)
