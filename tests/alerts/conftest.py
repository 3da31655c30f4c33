"""Alerts fixtures: a street with staff on every level and residents in grids 11, 12 and 21."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.alerts.drafting import Draft, draft_alert
from resigrid.alerts.models import Alert
from resigrid.core import pii
from resigrid.orgs.choices import OrgKind
from resigrid.orgs.models import PartyMember, PartyOrg
from resigrid.people.models import Carer, Household, Person, Volunteer, Vulnerability
from tests.factories import Tree, UserFactory, bind


def person(home: Household, name: str, phone: str = "") -> Person:
    return Person.objects.create(
        household=home,
        grid=home.grid,
        name=name,
        sex="F",
        birth_date=dt.date(1960, 1, 1),
        phone_enc=pii.encrypt(phone) if phone else None,
        phone_hash=pii.keyed_hash(phone) if phone else None,
    )


class World:
    """Grid 11: 王大爷 (vulnerable, no phone, carer 志愿者 with an account), 王小妹 (phone),
    张党员 (party member), 赵志愿 (volunteer). Grid 12: 孙奶奶 (vulnerable, no phone, no carer).
    Grid 21: 李四 (phone). Staff: street, secretary1 (community 1), staff2 (community 2),
    grid workers on 11 and 21, a second street approver, a resident account on grid 11."""

    def __init__(self, tree: Tree, users: dict[str, User]) -> None:
        self.tree = tree
        self.street = users["street"]
        self.approver = users["approver"]
        self.secretary = users["secretary"]
        self.staff2 = users["staff2"]
        self.worker11 = users["worker11"]
        self.worker21 = users["worker21"]
        self.resident = users["resident"]
        home11 = Household.objects.create(grid=tree.grid11, room="101")
        home12 = Household.objects.create(grid=tree.grid12, room="102")
        home21 = Household.objects.create(grid=tree.grid21, room="201")
        self.old = person(home11, "王大爷")
        self.young = person(home11, "王小妹", "13912345678")
        self.member = person(home11, "张党员", "13912345679")
        self.vol = person(home11, "赵志愿")
        self.granny = person(home12, "孙奶奶")
        self.far = person(home21, "李四", "13912345680")
        org = PartyOrg.objects.create(kind=OrgKind.COMMITTEE, name="党委", area=tree.community1)
        PartyMember.objects.create(person=self.member, org=org)
        Volunteer.objects.create(person=self.vol)
        Vulnerability.objects.create(person=self.old, grid=tree.grid11, tag="empty_nest")
        Vulnerability.objects.create(person=self.granny, grid=tree.grid12, tag="empty_nest")
        self.carer_user = UserFactory(username="carer", full_name="志愿者")
        self.carer = Carer.objects.create(
            person=self.old, kind=Carer.Kind.VOLUNTEER, user=self.carer_user, name="志愿者"
        )


@pytest.fixture
def world(
    tree: Tree, street_admin: User, community_admin: User, grid_worker: User, resident: User
) -> World:
    approver = UserFactory(username="street2", full_name="街道审核")
    bind(approver, tree.street, Role.STREET_STAFF)
    staff2 = UserFactory(username="staff2", full_name="西湖社工")
    bind(staff2, tree.community2, Role.COMMUNITY_STAFF)
    worker21 = UserFactory(username="gw21", full_name="西湖网格员")
    bind(worker21, tree.grid21, Role.GRID_WORKER)
    return World(
        tree,
        {
            "street": street_admin,
            "approver": approver,
            "secretary": community_admin,
            "staff2": staff2,
            "worker11": grid_worker,
            "worker21": worker21,
            "resident": resident,
        },
    )


def draft(world: World, **extra: Any) -> Alert:
    data: dict[str, Any] = {
        "issuer_area_id": world.tree.street.pk,
        "target_area_ids": [world.tree.community1.pk, world.tree.community2.pk],
        "kind": "warning",
        "level": "red",
        "category": "Met",
        "event": "暴雨",
        "headline": "暴雨红色预警",
        "description": "预计未来3小时降雨量将达100毫米以上。",
        "instruction": "停止户外活动，低洼地区人员转移。",
    }
    data.update(extra)
    actor = data.pop("actor", world.street)
    return draft_alert(actor=actor, draft=Draft(**data))
