"""Incidents fixtures: units, a flood plan on the street (levels II and IV), a published red
rainstorm alert for the street, and a case in grid 11."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.alerts.models import Alert
from resigrid.areas.models import Area
from resigrid.cases.models import Case
from resigrid.orgs.choices import UnitKind
from resigrid.orgs.models import Unit
from resigrid.registers.choices import CategoryKind, HazardClass, ResponseLevel
from resigrid.registers.models import Category
from resigrid.response.plans.models import CommandRole, Plan, PlanLevel, TaskTemplate
from tests.factories import Tree, UserFactory, bind

_serial = itertools.count(1)


def published_alert(
    tree: Tree, *, level: str = "red", targets: list[Area] | None = None, **extra: str
) -> Alert:
    n = next(_serial)
    alert = Alert.objects.create(
        identifier=f"test-{n}",
        sender="和平街道",
        category=extra.pop("category", "Met"),
        event=extra.pop("event", "暴雨"),
        urgency="Immediate",
        severity="Extreme",
        certainty="Likely",
        headline=extra.pop("headline", "和平街道暴雨红色预警"),
        description="预计未来3小时降雨量将达100毫米以上。",
        area_desc="和平街道",
        kind="warning",
        level=level,
        state=extra.pop("state", "published"),
        issuer_area=tree.street,
        published_at=timezone.now(),
    )
    alert.target_areas.set(targets or [tree.street])
    return alert


def make_case(tree: Tree, grid: Area | None = None, *, title: str = "地下车库进水") -> Case:
    category, _ = Category.objects.get_or_create(
        code="09", defaults={"name": "防汛排涝", "kind": CategoryKind.EVENT}
    )
    return Case.objects.create(
        source="patrol",
        category=category,
        title=title,
        description="3号楼地下车库进水约20厘米。",
        lon=120.05,
        lat=30.05,
        grid=grid or tree.grid11,
        tracking_code=f"T{next(_serial):08d}",
        reported_at=timezone.now(),
    )


class World:
    """The street office and a volunteer team on the street, 物业 in community 1; the flood
    plan 防汛应急预案 on the street: roles chief (all levels), rescue (all, the team), medical
    (II), watch (IV); tasks 巡查易涝点 (+30 min), 转移低洼住户 (+60, the office), 发放沙袋 (II,
    +90, 物业), 值守 (IV, +15)."""

    def __init__(self, tree: Tree, street: User, secretary: User, worker: User) -> None:
        self.tree, self.street, self.secretary, self.worker = tree, street, secretary, worker
        self.office = Unit.objects.create(
            kind=UnitKind.GOVERNMENT, name="街道应急办", area=tree.street
        )
        self.team = Unit.objects.create(
            kind=UnitKind.VOLUNTEER_TEAM, name="志愿者队", area=tree.street
        )
        self.property1 = Unit.objects.create(
            kind=UnitKind.PROPERTY, name="东湖物业", area=tree.community1
        )
        self.plan = Plan.objects.create(
            title="防汛应急预案", hazard_class=HazardClass.NATURAL, area=tree.street
        )
        PlanLevel.objects.create(plan=self.plan, level=ResponseLevel.II, criteria="橙色暴雨预警")
        PlanLevel.objects.create(plan=self.plan, level=ResponseLevel.IV, criteria="蓝色预警")
        CommandRole.objects.create(plan=self.plan, code="chief", name="总指挥", sort=1)
        CommandRole.objects.create(
            plan=self.plan, code="rescue", name="抢险救援组", unit=self.team, sort=2
        )
        CommandRole.objects.create(
            plan=self.plan, code="medical", name="医疗救护组", level=ResponseLevel.II, sort=3
        )
        CommandRole.objects.create(
            plan=self.plan, code="watch", name="值守组", level=ResponseLevel.IV, sort=4
        )
        TaskTemplate.objects.create(
            plan=self.plan, title="巡查易涝点", due_offset_minutes=30, owner_unit=self.team
        )
        TaskTemplate.objects.create(
            plan=self.plan, title="转移低洼住户", due_offset_minutes=60, owner_unit=self.office
        )
        TaskTemplate.objects.create(
            plan=self.plan,
            title="发放沙袋",
            due_offset_minutes=90,
            owner_unit=self.property1,
            level=ResponseLevel.II,
        )
        TaskTemplate.objects.create(
            plan=self.plan,
            title="值守",
            due_offset_minutes=15,
            owner_unit=self.office,
            level=ResponseLevel.IV,
        )


@pytest.fixture
def world(tree: Tree, street_admin: User, community_admin: User, grid_worker: User) -> World:
    return World(tree, street_admin, community_admin, grid_worker)


@pytest.fixture
def commander2(tree: Tree) -> User:
    user = UserFactory(username="street2", full_name="街道副指挥")
    bind(user, tree.street, Role.STREET_STAFF)
    return user


NOW = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
