"""Two editors add the same need to a plan at once, and two revise it at once, on PostgreSQL:
the plan row lock lets one win and the other gets a named error; nothing is doubled."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from resigrid.accounts.models import User
from resigrid.core.errors import ConflictError, ValidationFailed
from resigrid.resources.models import Item
from resigrid.response.plans import parts, services
from resigrid.response.plans.models import Plan, ResourceNeed
from tests.response.plans.conftest import World

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises)"
    ),
]


def _twice(action: Callable[[], object]) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            action()
            outcomes.append("ok")
        except (ValidationFailed, ConflictError) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_same_need_added_twice(world: World, planner: User) -> None:
    food = Item.objects.create(code="F9", name="压缩饼干", category="food", uom="箱")
    outcomes = _twice(
        lambda: parts.save_need(
            actor=planner, plan=world.plan, data={"item": food.pk, "per_thousand": "40"}
        )
    )
    assert outcomes == ["ValidationFailed", "ok"]
    assert ResourceNeed.objects.filter(plan=world.plan, item=food).count() == 1


def test_revised_twice(world: World, planner: User) -> None:
    outcomes = _twice(lambda: services.revise_plan(actor=planner, plan=world.plan))
    assert outcomes == ["ConflictError", "ok"]
    assert sorted(Plan.objects.values_list("version", "active")) == [(1, False), (2, True)]
