"""Computing a plan: the exact optimum on a small case, expired lots never used, shortage
instead of over-allocation, needs validated."""

from __future__ import annotations

import datetime as dt

import pytest

from resigrid.accounts.models import User
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.optim.transport import arcs_from_coordinates
from resigrid.response.allocations.models import AllocationEvent, NeedLine, PlanState
from resigrid.response.allocations.services import (
    NeedInput,
    compute_plan,
    create_plan,
    set_needs,
)
from tests.response.allocations.conftest import Supplies

pytestmark = pytest.mark.django_db


def metres(a: tuple[float, float], b: tuple[float, float]) -> int:
    arcs = arcs_from_coordinates([a[0]], [a[1]], [b[0]], [b[1]])
    return int(arcs.cost[0])


def lines_of(plan):
    return sorted(
        (x.depot.name, x.grid.name, x.item.code, x.batch.number if x.batch else "", x.quantity)
        for x in plan.lines.select_related("depot", "grid", "item", "batch")
    )


def make_plan(s: Supplies, needs: list[tuple[object, object, int]], **kw):
    plan = create_plan(actor=s.actor, title="洪水物资", area=s.tree.street, **kw)
    set_needs(
        actor=s.actor,
        plan=plan,
        needs=[NeedInput(grid.pk, item.pk, qty) for grid, item, qty in needs],  # type: ignore[attr-defined]
    )
    return plan


def test_exact_optimal_lines_on_a_small_case(supplies: Supplies) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.tent, 5)
    s.stock_in(s.depot2, s.tent, 4)
    plan = make_plan(s, [(t.grid11, s.tent, 3), (t.grid12, s.tent, 4), (t.grid21, s.tent, 2)])
    plan = compute_plan(actor=s.actor, plan=plan)
    assert lines_of(plan) == [
        ("东湖物资库", "东湖一网格", "S001", "", 3),
        ("东湖物资库", "东湖二网格", "S001", "", 2),
        ("西湖物资库", "东湖二网格", "S001", "", 2),
        ("西湖物资库", "西湖一网格", "S001", "", 2),
    ]
    d12 = metres((120.05, 30.05), (120.15, 30.05))
    d22 = metres((120.25, 30.05), (120.15, 30.05))
    assert plan.total_distance_m == 2 * d12 + 2 * d22
    assert plan.total_shortage == 0
    assert plan.state == PlanState.DRAFT
    assert plan.figures["depots"] == 2 and plan.figures["grids"] == 3
    assert list(AllocationEvent.objects.filter(plan=plan).values_list("action", flat=True)) == [
        "created",
        "needs",
        "computed",
    ]


def test_expired_lot_is_never_used(supplies: Supplies) -> None:
    s, t = supplies, supplies.tree
    yesterday = s.today - dt.timedelta(days=1)
    s.stock_in(s.depot1, s.water, 10, "OLD", yesterday)
    s.stock_in(s.depot1, s.water, 3, "NEW", s.today + dt.timedelta(days=200))
    s.stock_in(s.depot1, s.water, 2, "LAST-DAY", s.today)  # usable through its expiry day
    s.stock_in(s.depot2, s.water, 5, "EAST", s.today + dt.timedelta(days=30))
    plan = compute_plan(actor=s.actor, plan=make_plan(s, [(t.grid11, s.water, 8)]))
    assert lines_of(plan) == [
        ("东湖物资库", "东湖一网格", "W001", "LAST-DAY", 2),
        ("东湖物资库", "东湖一网格", "W001", "NEW", 3),
        ("西湖物资库", "东湖一网格", "W001", "EAST", 3),
    ]
    assert [(e["batch"], e["quantity"]) for e in plan.figures["expired_lots"]] == [("OLD", 10)]


def test_delivery_date_decides_expiry(supplies: Supplies) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.water, 4, "SOON", s.today + dt.timedelta(days=2))
    plan = make_plan(s, [(t.grid11, s.water, 4)], needed_by=s.today + dt.timedelta(days=3))
    plan = compute_plan(actor=s.actor, plan=plan)
    assert lines_of(plan) == []
    assert NeedLine.objects.get(plan=plan).shortage == 4


def test_more_than_the_stock_is_a_shortage_not_an_over_allocation(supplies: Supplies) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.tent, 5)
    s.stock_in(s.depot2, s.tent, 4)
    plan = make_plan(s, [(t.grid11, s.tent, 20), (t.grid21, s.tent, 1)])
    plan = compute_plan(actor=s.actor, plan=plan)
    assert sum(x.quantity for x in plan.lines.all()) == 9
    assert plan.total_shortage == 12
    assert dict(NeedLine.objects.filter(plan=plan).values_list("grid__name", "shortage")) == {
        "东湖一网格": 12,
        "西湖一网格": 0,
    }


def test_needs_are_validated_and_nothing_half_saved(supplies: Supplies) -> None:
    s, t = supplies, supplies.tree
    plan = make_plan(s, [(t.grid11, s.tent, 3)])
    with pytest.raises(ValidationFailed) as err:
        set_needs(
            actor=s.actor,
            plan=plan,
            needs=[
                NeedInput(t.grid12.pk, s.tent.pk, 2),
                NeedInput(t.grid12.pk, s.tent.pk, 5),
                NeedInput(t.community1.pk, s.tent.pk, 1),
                NeedInput(t.grid21.pk, s.tent.pk, -1),
                NeedInput(t.grid21.pk, 999999, 1),
            ],
        )
    assert err.value.errors == {
        "needs.1": ["This grid and item are listed twice."],
        "needs.2": ["This grid is not in the plan's area."],
        "needs.3": ["The quantity must be a whole number from 0 to 10000000."],
        "needs.4": ["No such item."],
    }
    assert list(plan.needs.values_list("grid__name", "quantity")) == [("东湖一网格", 3)]


def test_compute_without_needs_or_stock(supplies: Supplies, community_admin: User) -> None:
    s, t = supplies, supplies.tree
    plan = create_plan(actor=s.actor, title="空", area=t.street)
    with pytest.raises(ValidationFailed, match="Enter at least one need"):
        compute_plan(actor=s.actor, plan=plan)
    with pytest.raises(PermissionDeniedError):
        compute_plan(actor=community_admin, plan=plan)  # the street plan is above them


def test_community_coordinator_draws_only_from_depots_in_scope(
    supplies: Supplies, community_admin: User
) -> None:
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.tent, 1)
    s.stock_in(s.depot2, s.tent, 10)
    plan = create_plan(actor=community_admin, title="东湖", area=t.community1)
    set_needs(actor=community_admin, plan=plan, needs=[NeedInput(t.grid12.pk, s.tent.pk, 3)])
    plan = compute_plan(actor=community_admin, plan=plan)
    assert lines_of(plan) == [("东湖物资库", "东湖二网格", "S001", "", 1)]
    assert plan.total_shortage == 2
