"""Free stock per lot: reservations naming a lot count against it, reservations without a lot
against the depot item, and withdrawals never take a reserved lot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from resigrid.accounts.models import User
from resigrid.resources.models import Batch, DepotItem
from resigrid.resources.reservations import (
    LotMove,
    free_lots,
    lock_depot_items,
    on_hand_by_lot,
    write_lot_movements,
)
from resigrid.resources.stock import record_movement
from tests.resources.conftest import Stock

pytestmark = pytest.mark.django_db


def test_free_lots_and_reservations(stock: Stock, community_staff: User) -> None:
    d, w = stock.depot1, stock.water
    today = dt.date(2026, 7, 1)
    for number, days, qty in (("B", 90, 6), ("A", 10, 4)):
        record_movement(actor=community_staff, depot=d, item=w, kind="in", quantity=qty,
                        batch_number=number, expiry=today + dt.timedelta(days=days))  # fmt: skip
    a = Batch.objects.get(number="A")
    assert [(lot.batch_number, lot.free) for lot in free_lots([d.pk], [w.pk])] == [
        ("A", Decimal("4.00")),
        ("B", Decimal("6.00")),
    ]
    write_lot_movements(
        [LotMove(d.pk, w.pk, a.pk, "reserve", Decimal("3"), "alloc:1:1")], actor=community_staff
    )
    assert [(lot.batch_number, lot.free) for lot in free_lots([d.pk], [w.pk])] == [
        ("A", Decimal("1.00")),
        ("B", Decimal("6.00")),
    ]
    # A reservation without a lot (from the depot page) trims the latest lots first.
    record_movement(actor=community_staff, depot=d, item=w, kind="reserve", quantity=5)
    assert [(lot.batch_number, lot.free) for lot in free_lots([d.pk], [w.pk])] == [
        ("A", Decimal("1.00")),
        ("B", Decimal("1.00")),
    ]
    rows = record_movement(actor=community_staff, depot=d, item=w, kind="out", quantity=2)
    assert sorted((r.batch.number if r.batch else "", r.quantity) for r in rows) == [
        ("A", Decimal("1")),
        ("B", Decimal("1")),
    ]
    assert on_hand_by_lot([d.pk], [w.pk]) == {
        (d.pk, w.pk, None): Decimal("0.00"),  # the reservation without a lot
        (d.pk, w.pk, a.pk): Decimal("3.00"),
        (d.pk, w.pk, Batch.objects.get(number="B").pk): Decimal("5.00"),
    }
    assert [x.pk for x in lock_depot_items([d.pk], [w.pk])] == list(
        DepotItem.objects.filter(depot=d, item=w).values_list("pk", flat=True)
    )
    with pytest.raises(ValueError, match="not a lot movement"):
        write_lot_movements([LotMove(d.pk, w.pk, None, "in", Decimal("1"), "x")], actor=None)
