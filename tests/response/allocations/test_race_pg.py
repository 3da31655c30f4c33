"""Two coordinators reserve the same last stock at once on PostgreSQL: the depot-item row lock
lets exactly one through, the other gets the translated conflict, stock never goes negative."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError
from resigrid.resources.models import StockMovement
from resigrid.resources.stock import balance_of
from resigrid.response.allocations.models import AllocationPlan, PlanState
from resigrid.response.allocations.services import (
    NeedInput,
    compute_plan,
    create_plan,
    reserve,
    set_needs,
)
from tests.response.allocations.conftest import Supplies

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_coordinators_reserve_the_last_stock_at_once(
    supplies: Supplies, street_admin: User, community_admin: User
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks across connections: run with DATABASE_URL (PostgreSQL)")
    s, t = supplies, supplies.tree
    s.stock_in(s.depot1, s.tent, 5)
    plans = []
    for actor, grid in ((street_admin, t.grid11), (community_admin, t.grid12)):
        plan = create_plan(actor=actor, title=f"争用 {grid.name}", area=t.community1)
        set_needs(actor=actor, plan=plan, needs=[NeedInput(grid.pk, s.tent.pk, 4)])
        plans.append((actor, compute_plan(actor=actor, plan=plan)))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def go(actor: User, plan: AllocationPlan) -> None:
        try:
            barrier.wait(timeout=10)
            reserve(actor=actor, plan=plan)
            result = "ok"
        except ConflictError as exc:
            result = str(exc.message)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=go, args=p) for p in plans]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    assert sorted(outcomes) == [
        "The stock of 帐篷 in 东湖物资库 changed meanwhile (another coordinator reserved or "
        "issued it): 1 顶 free in this lot, the plan needs 4. Nothing was reserved: compute "
        "the plan again.",
        "ok",
    ]
    assert StockMovement.objects.filter(kind="reserve").count() == 1
    assert sorted(AllocationPlan.objects.values_list("state", flat=True)) == [
        PlanState.DRAFT,
        PlanState.RESERVED,
    ]
    assert balance_of(s.depot1, s.tent) == {
        "on_hand": Decimal("5.00"),
        "reserved": Decimal("4.00"),
        "available": Decimal("1.00"),
    }
