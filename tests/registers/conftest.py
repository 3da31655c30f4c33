"""Registers fixtures: a small category tree, units at each level of the shared area tree, and
the personas that may edit (a district editor of the whole tree, the street admin)."""

from __future__ import annotations

from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.orgs.choices import UnitKind
from resigrid.orgs.models import Unit
from resigrid.registers.choices import CategoryKind, Phase
from resigrid.registers.models import Category, Duty, RegisterChange
from tests.factories import Tree, UserFactory, bind, make_area, square


class Registers:
    """Categories 01 市容环境 → 01.01 暴露垃圾, 01.02 乱堆物料; 02 设施管理 (facility) →
    02.01 路灯损坏. Units: a district department, a street team, a 物业 in each community,
    and a unit of a second street (unrelated to the first)."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        ev, fa = CategoryKind.EVENT, CategoryKind.FACILITY
        self.c01 = Category.objects.create(code="01", name="市容环境", kind=ev)
        self.c0101 = Category.objects.create(
            code="01.01", name="暴露垃圾", kind=ev, parent=self.c01
        )
        self.c0102 = Category.objects.create(
            code="01.02", name="乱堆物料", kind=ev, parent=self.c01
        )
        self.c02 = Category.objects.create(code="02", name="设施管理", kind=fa)
        self.c0201 = Category.objects.create(
            code="02.01", name="路灯损坏", kind=fa, parent=self.c02
        )
        gov = UnitKind.GOVERNMENT
        self.city = Unit.objects.create(kind=gov, name="区城管局", area=tree.district)
        self.municipal = Unit.objects.create(kind=gov, name="区市政中心", area=tree.district)
        self.team = Unit.objects.create(kind=gov, name="街道执法队", area=tree.street)
        self.property1 = Unit.objects.create(
            kind=UnitKind.PROPERTY, name="东湖物业", area=tree.community1
        )
        self.property2 = Unit.objects.create(
            kind=UnitKind.PROPERTY, name="西湖物业", area=tree.community2
        )
        self.street2 = make_area(
            "330106002000000", "光明街道", Level.STREET, tree.district, square(121.0, 30.0, 0.2)
        )
        self.far = Unit.objects.create(kind=gov, name="光明执法队", area=self.street2)

    def duty(
        self,
        category: Category,
        area: Area,
        lead: Unit,
        support: list[Unit] | None = None,
        phase: str = Phase.RESPOND,
        **extra: Any,
    ) -> Duty:
        duty = Duty.objects.create(
            category=category, area=area, lead_unit=lead, phase=phase, **extra
        )
        duty.support_units.set(support or [])
        return duty


@pytest.fixture
def reg(tree: Tree) -> Registers:
    return Registers(tree)


@pytest.fixture
def district_editor(tree: Tree) -> User:
    """District staff: EDIT_DUTIES on the root, so an editor of the whole category tree."""
    user = UserFactory(username="district", full_name="区级辛")
    bind(user, tree.district, Role.DISTRICT_STAFF)
    return user


def changes() -> int:
    return RegisterChange.objects.count()
