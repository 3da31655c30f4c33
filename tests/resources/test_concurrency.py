"""Two withdrawals at once on PostgreSQL: the depot-item row lock lets exactly one through."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from resigrid.accounts.models import User
from resigrid.core.errors import ValidationFailed
from resigrid.resources.models import StockMovement
from resigrid.resources.stock import balance_of, record_movement
from tests.resources.conftest import Stock

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_withdrawals_only_one_fits(stock: Stock, community_staff: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks across connections: run with DATABASE_URL (PostgreSQL)")
    record_movement(
        actor=community_staff, depot=stock.depot1, item=stock.tent, kind="in", quantity="5"
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def withdraw() -> None:
        try:
            barrier.wait(timeout=10)
            record_movement(
                actor=community_staff,
                depot=stock.depot1,
                item=stock.tent,
                kind="out",
                quantity="4",
            )
            result = "ok"
        except ValidationFailed as exc:
            result = "refused: " + "; ".join(exc.errors["quantity"])
        finally:
            connections.close_all()  # each thread has its own connection; close it
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=withdraw) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == [
        "ok",
        "refused: Not enough stock: 1 顶 of 帐篷 available in 东湖物资库, 4 requested.",
    ]
    assert StockMovement.objects.filter(kind="out").count() == 1
    assert balance_of(stock.depot1, stock.tent)["on_hand"] == Decimal("1.00")
