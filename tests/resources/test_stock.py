"""Stock by movements: balances, refusals that write nothing, reservations, FEFO, warnings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from resigrid.accounts.models import User
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.resources.models import Batch, DepotItem, StockMovement
from resigrid.resources.stock import balance_of, record_movement
from tests.resources.conftest import Stock

D = Decimal


def move(actor: User, stock: Stock, kind: str, qty: str, **extra: object) -> list[StockMovement]:
    item = extra.pop("item", stock.tent)
    depot = extra.pop("depot", stock.depot1)
    return record_movement(
        actor=actor,
        depot=depot,  # type: ignore[arg-type]
        item=item,  # type: ignore[arg-type]
        kind=kind,
        quantity=qty,
        **extra,  # type: ignore[arg-type]
    )


def water_batch_in(user: User, stock: Stock, quantity: str, number: str, expiry: dt.date) -> None:
    """Stock in one batch of water (a shelf-life item needs a batch number and expiry)."""
    move(user, stock, "in", quantity, item=stock.water, batch_number=number, expiry=expiry)


def test_balance_is_the_sum_of_movements(stock: Stock, community_staff: User) -> None:
    move(community_staff, stock, "in", "20", reason="采购")
    move(community_staff, stock, "out", "3", reason="发放")
    move(community_staff, stock, "adjust", "1", reason="盘亏", increase=False)
    move(community_staff, stock, "adjust", "0.5", reason="盘盈")
    move(community_staff, stock, "reserve", "4", reference="INC-1")
    move(community_staff, stock, "release", "1", reference="INC-1")
    assert balance_of(stock.depot1, stock.tent) == {
        "on_hand": D("16.50"),
        "reserved": D("3.00"),
        "available": D("13.50"),
    }
    row = DepotItem.objects.with_balances().get(depot=stock.depot1, item=stock.tent)
    assert (row.on_hand, row.reserved, row.available) == (D("16.50"), D("3.00"), D("13.50"))  # type: ignore[attr-defined]
    assert StockMovement.objects.count() == 6
    assert StockMovement.objects.filter(by=community_staff).count() == 6


def test_over_withdrawal_is_refused_and_writes_nothing(stock: Stock, community_staff: User) -> None:
    move(community_staff, stock, "in", "5")
    move(community_staff, stock, "reserve", "2")
    before = StockMovement.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        move(community_staff, stock, "out", "4")
    assert exc.value.errors == {
        "quantity": ["Not enough stock: 3 顶 of 帐篷 available in 东湖物资库, 4 requested."]
    }
    assert StockMovement.objects.count() == before
    with pytest.raises(ValidationFailed) as exc:
        move(community_staff, stock, "release", "2.5")
    assert exc.value.errors == {
        "quantity": ["Not enough stock: 2 顶 of 帐篷 reserved in 东湖物资库, 2.5 requested."]
    }
    assert StockMovement.objects.count() == before


def test_withdrawal_of_an_item_never_stocked(stock: Stock, community_staff: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        move(community_staff, stock, "out", "1")
    assert exc.value.field == "quantity"
    assert StockMovement.objects.count() == 0
    assert DepotItem.objects.count() == 0


@pytest.mark.parametrize(
    ("qty", "message"),
    [
        ("0", "The quantity must be more than 0."),
        ("-3", "The quantity must be more than 0."),
        ("1.234", "The quantity has at most two decimal places."),
        ("lots", "Give the quantity as a number."),
        ("NaN", "The quantity must be more than 0."),
    ],
)
def test_bad_quantities(stock: Stock, community_staff: User, qty: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        move(community_staff, stock, "in", qty)
    assert exc.value.errors == {"quantity": [message]}
    assert StockMovement.objects.count() == 0


def test_tracked_item_needs_batch_and_expiry(stock: Stock, community_staff: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        move(community_staff, stock, "in", "5", item=stock.water)
    assert exc.value.errors == {
        "batch_number": ["This item tracks shelf life: give a batch number."]
    }
    with pytest.raises(ValidationFailed) as exc:
        move(community_staff, stock, "in", "5", item=stock.water, batch_number="B1")
    assert exc.value.errors == {"expiry": ["This item tracks shelf life: give the expiry date."]}
    assert (StockMovement.objects.count(), Batch.objects.count()) == (0, 0)


def test_withdrawal_takes_earliest_expiry_first(stock: Stock, community_staff: User) -> None:
    water_batch_in(community_staff, stock, "5", "LATE", dt.date(2027, 6, 1))
    water_batch_in(community_staff, stock, "3", "EARLY", dt.date(2026, 12, 1))
    rows = move(community_staff, stock, "out", "4", item=stock.water)
    assert [(r.batch.number, r.quantity) for r in rows if r.batch] == [
        ("EARLY", D("3.00")),
        ("LATE", D("1.00")),
    ]
    on_hand = {
        b.number: b.on_hand  # type: ignore[attr-defined]
        for b in Batch.objects.with_on_hand()
    }
    assert on_hand == {"EARLY": D("0"), "LATE": D("4.00")}


def test_named_batch_cannot_go_negative(stock: Stock, community_staff: User) -> None:
    water_batch_in(community_staff, stock, "5", "A", dt.date(2027, 1, 1))
    water_batch_in(community_staff, stock, "5", "B", dt.date(2027, 2, 1))
    with pytest.raises(ValidationFailed) as exc:
        move(community_staff, stock, "out", "6", item=stock.water, batch_number="A")
    assert exc.value.errors == {
        "quantity": ["Not enough stock: 5 箱 of 瓶装水 in this batch in 东湖物资库, 6 requested."]
    }
    with pytest.raises(ValidationFailed) as exc:
        move(community_staff, stock, "out", "1", item=stock.water, batch_number="Z")
    assert exc.value.field == "batch_number"
    assert StockMovement.objects.count() == 2


def test_batch_expiry_cannot_change(stock: Stock, community_staff: User) -> None:
    water_batch_in(community_staff, stock, "5", "A", dt.date(2027, 1, 1))
    with pytest.raises(ValidationFailed) as exc:
        move(
            community_staff,
            stock,
            "in",
            "5",
            item=stock.water,
            batch_number="A",
            expiry=dt.date(2027, 3, 1),
        )
    assert exc.value.field == "expiry"
    assert StockMovement.objects.count() == 1


def test_adjustment_needs_a_reason(stock: Stock, community_staff: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        move(community_staff, stock, "adjust", "1")
    assert exc.value.errors == {"reason": ["Say why the stock is adjusted."]}


@pytest.mark.parametrize("persona", ["grid_worker", "department", "outsider", "resident"])
def test_who_may_not_move_stock(stock: Stock, persona: str, request: pytest.FixtureRequest) -> None:
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDeniedError):
        move(actor, stock, "in", "1")
    assert StockMovement.objects.count() == 0


def test_community_staff_may_not_move_stock_in_other_community(
    stock: Stock, community_staff: User, street_admin: User
) -> None:
    with pytest.raises(PermissionDeniedError):
        move(community_staff, stock, "in", "1", depot=stock.depot2)
    move(street_admin, stock, "in", "1", depot=stock.depot2)
    assert StockMovement.objects.count() == 1


def test_low_stock_list(stock: Stock, community_staff: User) -> None:
    water_batch_in(community_staff, stock, "12", "A", dt.date(2027, 1, 1))
    move(community_staff, stock, "in", "2")
    DepotItem.objects.filter(item=stock.tent).update(min_level=D("5"))
    low = DepotItem.objects.low()
    assert [(r.item.code, r.available) for r in low] == [("S001", D("2.00"))]  # type: ignore[attr-defined]
    move(community_staff, stock, "reserve", "3", item=stock.water)
    # 12 on hand − 3 reserved = 9 available, below the default minimum of 10.
    assert sorted(r.item.code for r in DepotItem.objects.low()) == ["S001", "W001"]


@time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), tick=False)
def test_near_expiry_list(stock: Stock, community_staff: User) -> None:
    for number, expiry in [
        ("PAST", dt.date(2026, 10, 20)),
        ("SOON", dt.date(2026, 11, 20)),
        ("EDGE", dt.date(2026, 12, 1)),
        ("LATER", dt.date(2026, 12, 2)),
        ("GONE", dt.date(2026, 11, 5)),
    ]:
        move(
            community_staff, stock, "in", "2", item=stock.water, batch_number=number, expiry=expiry
        )
    move(community_staff, stock, "out", "2", item=stock.water, batch_number="GONE")
    today = dt.date.today()
    near = Batch.objects.near_expiry(today)
    assert [b.number for b in near] == ["PAST", "SOON", "EDGE"]
    assert [b.number for b in Batch.objects.near_expiry(today, days=7)] == ["PAST"]
