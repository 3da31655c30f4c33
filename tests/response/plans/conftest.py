"""Plans fixtures: units on the shared tree, hazard-class duties of the responsibility list, two
items and a small flood plan on the street."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.orgs.choices import UnitKind
from resigrid.orgs.models import Unit
from resigrid.registers.choices import HazardClass, Phase, ResponseLevel
from resigrid.registers.models import Duty
from resigrid.resources.choices import ItemCategory
from resigrid.resources.models import Item
from resigrid.response.plans.models import (
    BulletinTemplate,
    CommandRole,
    Plan,
    PlanLevel,
    ResourceNeed,
    TaskTemplate,
)
from tests.factories import Tree, UserFactory, bind


class World:
    """Street office (应急办) and a volunteer team on the street, 物业 in community 1; hazard
    duties: natural/respond on the street (应急办 leads), natural/recover on community 1 (物业
    leads). Items: water (L), tents. A flood plan on community 1 with levels II and IV."""

    def __init__(self, tree: Tree) -> None:
        gov = UnitKind.GOVERNMENT
        self.tree = tree
        self.office = Unit.objects.create(kind=gov, name="街道应急办", area=tree.street)
        self.volunteers = Unit.objects.create(
            kind=UnitKind.VOLUNTEER_TEAM, name="志愿者队", area=tree.street
        )
        self.property1 = Unit.objects.create(
            kind=UnitKind.PROPERTY, name="东湖物业", area=tree.community1
        )
        self.respond = Duty.objects.create(
            hazard_class=HazardClass.NATURAL,
            area=tree.street,
            phase=Phase.RESPOND,
            lead_unit=self.office,
            tasks="组织抢险",
        )
        self.respond.support_units.set([self.volunteers])
        self.recover = Duty.objects.create(
            hazard_class=HazardClass.NATURAL,
            area=tree.community1,
            phase=Phase.RECOVER,
            lead_unit=self.property1,
        )
        self.water = Item.objects.create(
            code="W1", name="瓶装水", category=ItemCategory.WATER, uom="L"
        )
        self.tent = Item.objects.create(
            code="T1", name="帐篷", category=ItemCategory.SHELTER, uom="顶"
        )
        self.plan = Plan.objects.create(
            title="防汛应急预案", hazard_class=HazardClass.NATURAL, area=tree.community1
        )
        PlanLevel.objects.create(
            plan=self.plan, level=ResponseLevel.II, criteria="橙色暴雨预警", alert_level="orange"
        )
        PlanLevel.objects.create(plan=self.plan, level=ResponseLevel.IV, criteria="蓝色预警")
        CommandRole.objects.create(plan=self.plan, code="chief", name="总指挥", sort=1)
        CommandRole.objects.create(
            plan=self.plan, code="rescue", name="抢险救援组", unit=self.volunteers, sort=2
        )
        CommandRole.objects.create(
            plan=self.plan, code="medical", name="医疗救护组", level=ResponseLevel.II, sort=3
        )
        CommandRole.objects.create(
            plan=self.plan, code="watch", name="值守组", level=ResponseLevel.IV, sort=4
        )
        self.t_evacuate = TaskTemplate.objects.create(
            plan=self.plan, title="转移低洼住户", due_offset_minutes=60, duty=self.respond
        )
        self.t_patrol = TaskTemplate.objects.create(
            plan=self.plan, title="巡查易涝点", due_offset_minutes=30
        )
        self.t_clean = TaskTemplate.objects.create(
            plan=self.plan,
            title="清淤消杀",
            phase=Phase.RECOVER,
            due_offset_minutes=1440,
            level=ResponseLevel.II,
        )
        self.t_sandbags = TaskTemplate.objects.create(
            plan=self.plan,
            title="发放沙袋",
            due_offset_minutes=90,
            owner_unit=self.property1,
            level=ResponseLevel.II,
        )
        ResourceNeed.objects.create(
            plan=self.plan,
            item=self.water,
            per_thousand=Decimal("3000"),
            level_factors={"2": "1.5"},
        )
        ResourceNeed.objects.create(
            plan=self.plan, item=self.tent, per_thousand=Decimal("20"), level_factors={"4": "0"}
        )
        BulletinTemplate.objects.create(
            plan=self.plan, title="启动响应", body="{area}于{time}启动{level}响应。"
        )


@pytest.fixture
def world(tree: Tree) -> World:
    return World(tree)


@pytest.fixture
def planner(tree: Tree) -> User:
    """Community 1 secretary: MANAGE_PLANS on community 1."""
    user = UserFactory(username="planner", full_name="预案甲")
    bind(user, tree.community1, Role.COMMUNITY_SECRETARY)
    return user


@pytest.fixture
def other_planner(tree: Tree) -> User:
    """Community 2 secretary: MANAGE_PLANS on community 2 only."""
    user = UserFactory(username="planner2", full_name="预案乙")
    bind(user, tree.community2, Role.COMMUNITY_SECRETARY)
    return user
