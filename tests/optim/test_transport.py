"""Supply allocation: exact optimum (against HiGHS), stock never exceeded, shortage explicit."""

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog  # type: ignore[import-untyped]  # no scipy-stubs in the lock
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]

from resigrid.optim.errors import OptimInputError
from resigrid.optim.transport import (
    Arcs,
    Need,
    StockLot,
    allocate,
    allocate_items,
    arcs_from_coordinates,
    default_penalty,
    make_arcs,
)


def arcs(rows, n_sources, n_sinks):
    src, dst, cost = zip(*rows, strict=True) if rows else ((), (), ())
    return make_arcs(src, dst, cost, n_sources=n_sources, n_sinks=n_sinks)


def lp_objective(supply, demand, a: Arcs, penalty):
    """The same penalised transport problem as a plain LP (HiGHS): Σ c·x + P·u."""
    n, m, k = len(supply), len(demand), len(a)
    cols = np.arange(k)
    out = coo_matrix((np.ones(k), (a.source, cols)), shape=(n, k + m))  # Σ_j x_ij ≤ s_i
    into = coo_matrix(
        (np.ones(k + m), (np.concatenate([a.sink, np.arange(m)]), np.arange(k + m))),
        shape=(m, k + m),
    )  # Σ_i x_ij + u_j = d_j
    c = np.concatenate([a.cost, np.full(m, penalty)]).astype(float)
    res = linprog(
        c,
        A_ub=out.tocsr() if n else None,
        b_ub=np.asarray(supply, float) if n else None,
        A_eq=into.tocsr() if m else None,
        b_eq=np.asarray(demand, float) if m else None,
        bounds=(0, None),
        method="highs",
    )
    assert res.status == 0
    return res.fun


def test_hand_made_two_depots_three_grids():
    # Depot 0 holds 5, depot 1 holds 4; grids need 3, 4, 2 (9 = 9, all met).
    a = arcs([(0, 0, 1), (0, 1, 4), (1, 1, 2), (1, 2, 3), (0, 2, 9)], 2, 3)
    plan = allocate([5, 4], [3, 4, 2], a)
    ships = sorted(
        zip(plan.source.tolist(), plan.sink.tolist(), plan.quantity.tolist(), strict=True)
    )
    # Cheapest: 0→0 ×3 (3), 1→1 ×4 (8), 0→2 ×2 (18)? vs 0→1 ×2 + 1→2 ×2: 3+8+6 = 17.
    assert ships == [(0, 0, 3), (0, 1, 2), (1, 1, 2), (1, 2, 2)]
    assert plan.cost == 3 * 1 + 2 * 4 + 2 * 2 + 2 * 3
    assert plan.shortage.tolist() == [0, 0, 0]
    assert plan.leftover.tolist() == [0, 0]
    assert plan.received.tolist() == [3, 4, 2]


def test_shortage_reported_per_sink_and_stock_not_exceeded():
    # 4 units in stock, 7 needed; grid 2 is out of reach.
    a = arcs([(0, 0, 10), (0, 1, 1)], 1, 3)
    plan = allocate([4], [3, 2, 2], a)
    assert plan.shipped.tolist() == [4]
    assert plan.leftover.tolist() == [0]
    # As much as possible first (4 units), then the cheapest: grid 1 fully (2), grid 0 gets 2.
    assert plan.received.tolist() == [2, 2, 0]
    assert plan.shortage.tolist() == [1, 0, 2]
    assert plan.total_shortage == 3
    assert plan.cost == 2 * 10 + 2 * 1


def test_more_units_win_over_cheaper_units():
    # Sending depot 0's unit to grid 0 is cheap but strands grid 1 (only depot 0 reaches it).
    a = arcs([(0, 0, 1), (0, 1, 1000), (1, 0, 500)], 2, 2)
    plan = allocate([1, 1], [1, 1], a)
    assert plan.shortage.tolist() == [0, 0]
    assert plan.cost == 1500


def test_surplus_stays_at_the_depot():
    a = arcs([(0, 0, 3), (1, 0, 2)], 2, 1)
    plan = allocate([10, 10], [4], a)
    assert plan.source.tolist() == [1]
    assert plan.quantity.tolist() == [4]
    assert plan.leftover.tolist() == [10, 6]
    assert plan.cost == 8


def test_empty_problem():
    plan = allocate([], [], arcs([], 0, 0))
    assert plan.cost == 0
    assert plan.quantity.size == 0


def test_no_arcs_everything_short():
    plan = allocate([5], [2, 3], arcs([], 1, 2))
    assert plan.shortage.tolist() == [2, 3]
    assert plan.leftover.tolist() == [5]


@pytest.mark.parametrize(
    ("supply", "demand", "code"),
    [
        ([-1, 2], [1], "transport.negative"),
        ([1, 2], [1.5], "transport.not_integer"),
        ([1, 2], [float("nan")], "transport.not_integer"),
        ([[1, 2]], [1], "transport.shape"),
    ],
)
def test_bad_quantities(supply, demand, code):
    a = Arcs(np.array([0]), np.array([0]), np.array([1]))
    with pytest.raises(OptimInputError) as err:
        allocate(supply, demand, a)
    assert err.value.code == code


def test_bad_arcs():
    with pytest.raises(OptimInputError) as err:
        make_arcs([0, 0], [1], [1, 1], n_sources=1, n_sinks=2)
    assert err.value.code == "transport.arc_shape"
    with pytest.raises(OptimInputError) as err:
        make_arcs([0, 0], [1, 1], [1, 2], n_sources=1, n_sinks=2)
    assert err.value.code == "transport.arc_duplicate"
    with pytest.raises(OptimInputError) as err:
        make_arcs([0], [2], [1], n_sources=1, n_sinks=2)
    assert err.value.code == "transport.arc_index"
    with pytest.raises(OptimInputError) as err:
        make_arcs([0], [1], [-3], n_sources=1, n_sinks=2)
    assert err.value.code == "transport.negative"
    # Unchecked arcs are checked by allocate against the problem's sizes.
    with pytest.raises(OptimInputError) as err:
        allocate([1], [1], Arcs(np.array([0]), np.array([3]), np.array([1])))
    assert err.value.code == "transport.arc_index"
    with pytest.raises(OptimInputError) as err:
        allocate([1], [1], arcs([(0, 0, 1)], 1, 1), shortage_penalty=0)
    assert err.value.code == "transport.penalty"
    with pytest.raises(OptimInputError) as err:
        allocate([2**40], [2**40], arcs([(0, 0, 2**30)], 1, 1))
    assert err.value.code == "transport.too_large"


def test_arcs_from_coordinates_distance_and_cut_off():
    # Two depots on the equator 0.01° apart (≈ 1,112 m), one grid at the first depot.
    a = arcs_from_coordinates([0.0, 0.01], [0.0, 0.0], [0.0], [0.0])
    assert a.source.tolist() == [0, 1]
    assert a.cost.tolist() == [0, 1112]
    near = arcs_from_coordinates([0.0, 0.01], [0.0, 0.0], [0.0], [0.0], max_km=1.0)
    assert near.source.tolist() == [0]
    with pytest.raises(OptimInputError) as err:
        arcs_from_coordinates([0.0, float("nan")], [0.0, 0.0], [0.0], [0.0])
    assert err.value.code == "geo.coordinates"
    assert err.value.params["index"] == 1
    with pytest.raises(OptimInputError) as err:
        arcs_from_coordinates([0.0, 0.1], [0.0], [0.0], [0.0])
    assert err.value.code == "geo.shape"
    with pytest.raises(OptimInputError) as err:
        arcs_from_coordinates([0.0], [0.0], [0.0], [0.0], max_km=-1)
    assert err.value.code == "transport.max_km"


def test_arcs_from_coordinates_chunks_agree():
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(116, 117, 7), rng.uniform(39, 40, 7)
    tlon, tlat = rng.uniform(116, 117, 11), rng.uniform(39, 40, 11)
    whole = arcs_from_coordinates(lon, lat, tlon, tlat, max_km=40)
    chunked = arcs_from_coordinates(lon, lat, tlon, tlat, max_km=40, chunk=5)
    assert whole.source.tolist() == chunked.source.tolist()
    assert whole.sink.tolist() == chunked.sink.tolist()
    assert whole.cost.tolist() == chunked.cost.tolist()


@st.composite
def instances(draw):
    n = draw(st.integers(1, 5))
    m = draw(st.integers(1, 6))
    supply = draw(st.lists(st.integers(0, 30), min_size=n, max_size=n))
    demand = draw(st.lists(st.integers(0, 30), min_size=m, max_size=m))
    pairs = [(i, j) for i in range(n) for j in range(m)]
    keep = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    costs = draw(st.lists(st.integers(0, 100), min_size=len(pairs), max_size=len(pairs)))
    rows = [(i, j, c) for (i, j), k, c in zip(pairs, keep, costs, strict=True) if k]
    return supply, demand, arcs(rows, n, m)


@settings(max_examples=150, deadline=None)
@given(instances())
def test_optimum_equals_highs_and_respects_stock(inst):
    supply, demand, a = inst
    plan = allocate(supply, demand, a)
    # Never more than the stock, never more than the demand, accounts balance.
    assert np.all(plan.shipped <= np.asarray(supply))
    assert np.all(plan.received <= np.asarray(demand))
    assert np.all(plan.quantity > 0)
    assert plan.received.sum() == plan.shipped.sum() == plan.total_shipped
    assert np.array_equal(plan.shortage, np.asarray(demand) - plan.received)
    # Every shipment uses an allowed arc, and the cost is what the arcs say.
    allowed = {(s, t): c for s, t, c in zip(a.source, a.sink, a.cost, strict=True)}
    assert plan.cost == sum(
        allowed[(s, t)] * q for s, t, q in zip(plan.source, plan.sink, plan.quantity, strict=True)
    )
    # Exact optimum of the penalised problem, as HiGHS finds it for the LP (totally unimodular).
    objective = plan.cost + plan.penalty * plan.total_shortage
    assert objective == pytest.approx(lp_objective(supply, demand, a, plan.penalty), abs=1e-6)
    # And as many units as a max flow can send: a much larger penalty changes nothing.
    big = allocate(supply, demand, a, shortage_penalty=plan.penalty * 1000)
    assert big.total_shortage == plan.total_shortage
    assert big.cost == plan.cost


def test_default_penalty_bound():
    assert default_penalty(0, 3, 4) == 4
    assert default_penalty(10, 3, 4) == 31


def test_items_expiry_and_lots_drawn_earliest_first():
    a = arcs([(0, 0, 5), (0, 1, 7), (1, 1, 1)], 2, 2)
    lots = [
        StockLot(depot=0, item="water", quantity=4, expires_on=date(2026, 8, 1)),
        StockLot(depot=0, item="water", quantity=4, expires_on=date(2026, 7, 1)),
        StockLot(depot=1, item="water", quantity=10, expires_on=date(2026, 6, 30)),  # expired
        StockLot(depot=1, item="tent", quantity=3),
        StockLot(
            depot=0, item="water", quantity=5, expires_on=date(2026, 7, 1)
        ),  # expires that day
    ]
    needs = [
        Need(sink=0, item="water", quantity=6),
        Need(sink=1, item="water", quantity=2),
        Need(sink=1, item="water", quantity=1),  # adds up with the line above
        Need(sink=1, item="tent", quantity=5),
    ]
    plan = allocate_items(lots, needs, a, n_depots=2, n_sinks=2, needed_by=date(2026, 7, 1))
    assert plan.expired_lots == (2,)
    water = plan.items["water"]
    assert water.allocation.shortage.tolist() == [0, 0]
    assert water.allocation.cost == 6 * 5 + 3 * 7
    # Depot 0 ships 6 to grid 0, then 3 to grid 1: lot 1 (Jul 1) then lot 4 (Jul 1), then lot 0.
    assert [(d.lot, d.sink, d.quantity) for d in water.draws] == [(1, 0, 4), (4, 0, 2), (4, 1, 3)]
    tent = plan.items["tent"]
    assert tent.allocation.received.tolist() == [0, 3]
    assert tent.allocation.shortage.tolist() == [0, 2]
    assert [(d.lot, d.sink, d.quantity) for d in tent.draws] == [(3, 1, 3)]
    assert plan.cost == water.allocation.cost + 3


def test_items_bad_lot_or_need():
    a = arcs([(0, 0, 1)], 1, 1)
    with pytest.raises(OptimInputError) as err:
        allocate_items([StockLot(depot=1, item="x", quantity=1)], [], a, n_depots=1, n_sinks=1)
    assert err.value.code == "transport.lot"
    with pytest.raises(OptimInputError) as err:
        allocate_items([], [Need(sink=0, item="x", quantity=-1)], a, n_depots=1, n_sinks=1)
    assert err.value.code == "transport.need"


def test_lp_helper_sanity():
    # The LP helper itself on the hand-made case (guards against a wrong comparison).
    a = arcs([(0, 0, 1), (0, 1, 4), (1, 1, 2), (1, 2, 3), (0, 2, 9)], 2, 3)
    assert lp_objective([5, 4], [3, 4, 2], a, 1000) == pytest.approx(21)
