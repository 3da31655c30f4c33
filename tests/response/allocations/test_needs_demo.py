"""Needs from the activated plan (per 1,000 × residents, rounded up) and the demo lots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from resigrid.accounts.models import User
from resigrid.areas.models import Area
from resigrid.core.errors import ValidationFailed
from resigrid.people.models import Household, Person
from resigrid.registers.choices import HazardClass, ResponseLevel
from resigrid.resources.models import Batch
from resigrid.response.allocations import needs as needs_module
from resigrid.response.allocations.models import AllocationPlan
from resigrid.response.allocations.needs import need_from_rate
from resigrid.response.allocations.services import NeedInput, compute_plan, create_plan, set_needs
from resigrid.response.incidents.models import Incident
from resigrid.response.plans.activation import NeedSpec, PlanActivation
from resigrid.response.plans.models import Plan
from resigrid.web.demo import response_allocations
from tests.response.allocations.conftest import Supplies

pytestmark = pytest.mark.django_db


def test_need_from_rate_rounds_up() -> None:
    assert need_from_rate(Decimal("150"), 1000) == 150
    assert need_from_rate(Decimal("25"), 3) == 1  # 0.075 → 1
    assert need_from_rate(Decimal("2.5"), 1200) == 3
    assert need_from_rate(Decimal("0"), 5000) == 0
    assert need_from_rate(Decimal("10"), 0) == 0


def _people(grid: Area, n: int) -> None:
    home = Household.objects.create(grid=grid)
    Person.objects.bulk_create(
        Person(household=home, grid=grid, name=f"居民{i}", sex="F", birth_date=dt.date(1980, 1, 1))
        for i in range(n)
    )


def test_needs_from_the_activated_plan(
    supplies: Supplies, monkeypatch: pytest.MonkeyPatch, street_admin: User
) -> None:
    s, t = supplies, supplies.tree
    _people(t.grid11, 7)
    _people(t.grid21, 3)
    plan = Plan.objects.create(
        title="防汛预案", hazard_class=HazardClass.NATURAL, area=t.street, created_by=street_admin
    )
    incident = Incident.objects.create(
        title="内涝",
        hazard_class=HazardClass.NATURAL,
        area=t.street,
        level=ResponseLevel.III,
        opened_by=street_admin,
        plan=plan,
        plan_level=ResponseLevel.III,
    )
    captured: list[tuple[int, str]] = []

    def fake(p: Plan, level: ResponseLevel) -> PlanActivation:
        captured.append((p.pk, level))
        return PlanActivation(
            plan_id=p.pk, plan_title="", plan_version=1, level=level, criteria="", roles=(),
            tasks=(), bulletins=(),
            needs=(NeedSpec(s.tent.pk, Decimal("250"), "顶"),
                   NeedSpec(s.water.pk, Decimal("1000"), "箱")),
        )  # fmt: skip

    monkeypatch.setattr(needs_module, "activation_for", fake)
    ap = create_plan(actor=street_admin, title="按预案", incident=incident, from_plan=True)
    assert captured == [(plan.pk, ResponseLevel.III)]
    assert sorted(
        ap.needs.values_list("grid__name", "item__code", "quantity", "population", "source")
    ) == [
        ("东湖一网格", "S001", 2, 7, "plan"),
        ("东湖一网格", "W001", 7, 7, "plan"),
        ("西湖一网格", "S001", 1, 3, "plan"),
        ("西湖一网格", "W001", 3, 3, "plan"),
    ]


def test_needs_from_a_plan_need_an_activated_plan(supplies: Supplies) -> None:
    s, t = supplies, supplies.tree
    incident = Incident.objects.create(
        title="内涝",
        hazard_class=HazardClass.NATURAL,
        area=t.street,
        level=ResponseLevel.III,
        opened_by=s.actor,
    )
    with pytest.raises(ValidationFailed, match="no activated plan"):
        create_plan(actor=s.actor, title="x", incident=incident, from_plan=True)
    assert AllocationPlan.objects.count() == 0


def test_demo_lots_and_the_expired_one_left_out(supplies: Supplies) -> None:
    s, t = supplies, supplies.tree
    out = response_allocations.seed(
        seed=3, street_id=t.street.pk, community_ids=[t.community1.pk, t.community2.pk]
    )
    assert out == {"allocation_lots": 4}  # W001 ×2 in each community's depot
    assert sorted(Batch.objects.values_list("depot__name", "number")) == [
        ("东湖物资库", "W001-EXP-3"),
        ("东湖物资库", "W001-TOP-3"),
        ("西湖物资库", "W001-EXP-3"),
        ("西湖物资库", "W001-TOP-3"),
    ]
    plan = create_plan(actor=s.actor, title="演示", area=t.street)
    set_needs(actor=s.actor, plan=plan, needs=[NeedInput(t.grid11.pk, s.water.pk, 250)])
    plan = compute_plan(actor=s.actor, plan=plan)
    assert sorted(plan.lines.values_list("batch__number", "quantity")) == [
        ("W001-TOP-3", 50),
        ("W001-TOP-3", 200),
    ]
    assert sorted(e["batch"] for e in plan.figures["expired_lots"]) == ["W001-EXP-3", "W001-EXP-3"]


def test_needs_from_a_real_plan_level(supplies: Supplies, street_admin: User) -> None:
    from resigrid.response.plans.models import PlanLevel, ResourceNeed

    s, t = supplies, supplies.tree
    _people(t.grid12, 7)
    plan = Plan.objects.create(
        title="防汛预案", hazard_class=HazardClass.NATURAL, area=t.street, created_by=street_admin
    )
    PlanLevel.objects.create(plan=plan, level=ResponseLevel.II, criteria="暴雨橙色预警")
    ResourceNeed.objects.create(plan=plan, item=s.tent, per_thousand=Decimal("250"))
    ResourceNeed.objects.create(
        plan=plan, item=s.water, per_thousand=Decimal("1000"), level_factors={"2": "2"}
    )
    incident = Incident.objects.create(
        title="内涝",
        hazard_class=HazardClass.NATURAL,
        area=t.community1,
        level=ResponseLevel.II,
        opened_by=street_admin,
        plan=plan,
        plan_level=ResponseLevel.II,
    )
    ap = create_plan(actor=street_admin, title="按预案", incident=incident, from_plan=True)
    assert sorted(ap.needs.values_list("grid__name", "item__code", "quantity", "per_thousand")) == [
        ("东湖二网格", "S001", 2, Decimal("250.00")),
        ("东湖二网格", "W001", 14, Decimal("2000.00")),
    ]
