"""Case fixtures: a small category tree with time limits, a street department as the lead unit
for 01 (its account is the `department` persona), and a helper to file a case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from resigrid.accounts.models import User
from resigrid.cases import intake
from resigrid.cases.models import Case
from resigrid.orgs.models import Unit, UnitAccount
from resigrid.registers.choices import CategoryKind, Priority
from resigrid.registers.models import Category, Deadline, Duty
from tests.factories import Tree


@dataclass
class Casebook:
    tree: Tree
    environment: Category  # 01 市容环境
    garbage: Category  # 01.01 暴露垃圾 (a leaf)
    facilities: Category  # 02 设施管理
    manhole: Category  # 02.01 井盖缺失 (a leaf, no duty: the community dispatches by hand)
    city_admin: Unit  # 城管执法队, the lead unit for 01 in the street
    property_co: Unit  # a property company in community 1
    duty: Duty


@pytest.fixture
def casebook(tree: Tree, department: User) -> Casebook:
    env = Category.objects.create(code="01", name="市容环境", kind=CategoryKind.EVENT)
    garbage = Category.objects.create(
        code="01.01", name="暴露垃圾", kind=CategoryKind.EVENT, parent=env
    )
    fac = Category.objects.create(code="02", name="设施管理", kind=CategoryKind.FACILITY)
    manhole = Category.objects.create(
        code="02.01", name="井盖缺失", kind=CategoryKind.FACILITY, parent=fac
    )
    # 01: accept 1 h, dispatch 2 h, handle 24 h, verify 4 h (normal priority).
    Deadline.objects.create(
        category=env,
        priority=Priority.NORMAL,
        accept_minutes=60,
        dispatch_minutes=120,
        handle_minutes=24 * 60,
        verify_minutes=240,
    )
    city_admin = Unit.objects.create(kind="government", name="城管执法队", area=tree.street)
    property_co = Unit.objects.create(kind="property", name="东湖物业", area=tree.community1)
    UnitAccount.objects.create(unit=city_admin, user=department)
    duty = Duty.objects.create(category=env, area=tree.street, lead_unit=city_admin)
    duty.support_units.add(property_co)
    return Casebook(tree, env, garbage, fac, manhole, city_admin, property_co, duty)


def report(
    actor: Any, *, category: str = "01.01", lon: float = 120.05, lat: float = 30.05, **extra: Any
) -> Case:
    """File a case through the intake service (grid 11 by default)."""
    data: dict[str, Any] = {
        "category": category,
        "title": "垃圾堆在路边",
        "description": "小区东门外垃圾三天没人清运。",
        "lon": lon,
        "lat": lat,
    }
    data.update(extra)
    return intake.report_case(actor=actor, report=intake.Report(**data))


@pytest.fixture
def file_case(casebook: Casebook) -> Callable[..., Case]:
    return report
