"""Supplies: days of cover by hand; pre-positioning within stock, never worse than proportional."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resigrid.sim.engine.errors import EngineInputError
from resigrid.sim.engine.supplies import (
    Commitment,
    GridDemand,
    Item,
    Stock,
    assess_supplies,
)

GRIDS = [
    GridDemand("A", households=10, residents=30, needs={"chronic": 2}),
    GridDemand("B", households=20, residents=50, needs={"oxygen": 1}),
]
ITEMS = [
    Item("water", "L", per_resident=3.0),
    Item("medicine", "doses", per_need={"chronic": 1.0}),
    Item("oxygen", "cylinders", per_need={"oxygen": 2.0}),
]
STOCK = [
    Stock("water", 1200.0),
    Stock("water", 90.0, grid="A"),
    Stock("medicine", 10.0, grid="A"),
    Stock("oxygen", 100.0),
]
COMMITMENTS = [Commitment("supermarket", "water", 30.0, daily=True, grid="B")]


def report():
    return assess_supplies(
        GRIDS, ITEMS, STOCK, days=14, commitments=COMMITMENTS, replenishment={"water": 60.0}
    )


def cover(plans, item, grid):
    plan = next(p for p in plans if p.item == item)
    return next(c for c in plan.covers if c.grid == grid)


def test_proportional_cover_by_hand():
    r = report()
    # water: demand A 90, B 150; depot inflow 60 shared 22.5 / 37.5; B also gets 30 a day
    a = cover(r.proportional, "water", "A")
    b = cover(r.proportional, "water", "B")
    assert (a.daily_demand, a.daily_inflow, a.on_hand, a.allocated) == (90.0, 22.5, 90.0, 450.0)
    assert (b.daily_demand, b.daily_inflow, b.allocated) == (150.0, 67.5, 750.0)
    assert a.days_of_cover == 8.0  # (90 + 450) / 67.5
    assert a.runs_out_day == 9
    assert b.days_of_cover == pytest.approx(750 / 82.5)
    assert b.runs_out_day == 10
    med = cover(r.proportional, "medicine", "A")
    assert (med.days_of_cover, med.runs_out_day) == (5.0, 6)
    assert cover(r.proportional, "medicine", "B").days_of_cover == math.inf
    assert cover(r.proportional, "medicine", "B").runs_out_day is None
    oxygen = cover(r.proportional, "oxygen", "B")
    assert (oxygen.allocated, oxygen.days_of_cover, oxygen.runs_out_day) == (100.0, 50.0, None)


def test_prepositioning_by_hand():
    r = report()
    # max t with 90 + xA = 67.5 t, xB = 82.5 t, xA + xB = 1200 → t = 8.6
    a = cover(r.prepositioned, "water", "A")
    b = cover(r.prepositioned, "water", "B")
    assert a.allocated == pytest.approx(490.5)
    assert b.allocated == pytest.approx(709.5)
    assert a.days_of_cover == pytest.approx(8.6)
    assert b.days_of_cover == pytest.approx(8.6)
    assert (a.runs_out_day, b.runs_out_day) == (9, 9)
    water = next(p for p in r.prepositioned if p.item == "water")
    assert water.min_cover_days == pytest.approx(8.6)
    assert water.reserve == pytest.approx(0.0, abs=1e-6)
    # oxygen: 14 days need only 28 cylinders; the other 72 stay at the depot
    oxygen = next(p for p in r.prepositioned if p.item == "oxygen")
    assert cover(r.prepositioned, "oxygen", "B").allocated == pytest.approx(28.0)
    assert oxygen.reserve == pytest.approx(72.0)
    assert oxygen.min_cover_days == 14.0


def test_risk_points_name_grid_item_and_day():
    r = report()
    assert [p.id for p in r.risk_points] == ["A:medicine", "A:water", "B:water"]
    first = r.risk_points[0]
    assert first.kind == "item"
    assert first.score == pytest.approx(9 / 14)
    assert "runs out of medicine on day 6 of 14" in first.reason
    assert first.params["short"] == 18.0  # 9 days × 2 doses
    assert (
        "water 8.6 days (proportional 8.0); medicine 5.0 days (proportional 5.0)" in r.explanation
    )


def test_one_off_and_central_commitments():
    r = assess_supplies(
        [GridDemand("A", households=4)],
        [Item("food", "packs", per_household=1.0)],
        [Stock("food", 8.0)],
        days=10,
        commitments=[
            Commitment("canteen", "food", 4.0),  # one-off to the depot
            Commitment("farm", "food", 2.0, daily=True),  # every day to the depot
            Commitment("shop", "food", 6.0, grid="A"),  # one-off to the grid
        ],
    )
    c = r.prepositioned[0].covers[0]
    assert (c.daily_demand, c.daily_inflow, c.on_hand) == (4.0, 2.0, 6.0)
    assert c.allocated == pytest.approx(12.0)
    assert c.days_of_cover == pytest.approx(9.0)  # (6 + 12) / (4 − 2)
    assert c.runs_out_day == 10


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"days": 0}, "supplies.days"),
        ({"days": 100_000}, "supplies.days"),
        ({"grids": []}, "supplies.no_grids"),
        ({"items": []}, "supplies.no_items"),
        ({"grids": [GridDemand("A", 1), GridDemand("A", 2)]}, "supplies.duplicate"),
        ({"items": [Item("w"), Item("w")]}, "supplies.duplicate"),
        ({"grids": [GridDemand("A", -1)]}, "supplies.negative"),
        ({"items": [Item("water", per_resident=float("nan"))]}, "supplies.negative"),
        ({"stock": [Stock("gold", 1.0)]}, "supplies.unknown_item"),
        ({"stock": [Stock("water", 1.0, grid="Z")]}, "supplies.unknown_grid"),
        ({"stock": [Stock("water", -5.0)]}, "supplies.negative"),
        ({"commitments": [Commitment("u", "water", -1.0)]}, "supplies.negative"),
        ({"replenishment": {"gold": 1.0}}, "supplies.unknown_item"),
    ],
)
def test_bad_input_is_refused(kwargs, code):
    args = {
        "grids": [GridDemand("A", 1, 3)],
        "items": [Item("water", per_resident=3.0)],
        "stock": [Stock("water", 10.0)],
        "days": 7,
    } | kwargs
    with pytest.raises(EngineInputError) as info:
        assess_supplies(args.pop("grids"), args.pop("items"), args.pop("stock"), **args)
    assert info.value.code == code


quantity = st.integers(0, 500).map(float)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 5), quantity), min_size=1, max_size=6),
    quantity,
    st.integers(0, 20).map(float),
    st.integers(1, 30),
)
def test_prepositioning_stays_within_stock_and_beats_proportional(grids, central, daily, days):
    demand = [
        GridDemand(f"g{n}", households=h, needs={"oxygen": o}) for n, (h, o, _) in enumerate(grids)
    ]
    items = [Item("food", per_household=1.0), Item("oxygen", per_need={"oxygen": 2.0})]
    stock = [Stock("food", central), Stock("oxygen", central / 10)]
    stock += [Stock("food", local, grid=f"g{n}") for n, (_, _, local) in enumerate(grids)]
    r = assess_supplies(demand, items, stock, days=days, replenishment={"food": daily})
    for best, base in zip(r.prepositioned, r.proportional, strict=True):
        sent = sum(c.allocated for c in best.covers)
        assert all(c.allocated >= 0 for c in best.covers)
        assert sent <= best.central_stock * (1 + 1e-9) + 1e-9
        assert best.reserve == pytest.approx(best.central_stock - sent, abs=1e-6)
        assert best.min_cover_days >= base.min_cover_days - 1e-6 * max(1.0, base.min_cover_days)
        for c in best.covers:
            assert (c.runs_out_day is None) == (
                c.days_of_cover >= days - 1e-9 or c.days_of_cover == math.inf
            ) or (c.runs_out_day is None and c.days_of_cover >= days - 1e-6)
