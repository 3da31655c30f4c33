"""Evacuation plans: capacities, optimality (brute force), infeasible inputs, clearing times."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csgraph  # type: ignore[import-untyped]

from resigrid.sim.engine import transport
from resigrid.sim.engine.errors import EngineInputError
from resigrid.sim.engine.evacuation import (
    Building,
    EvacuationInfeasible,
    EvacuationSettings,
    Shelter,
    plan_evacuation,
)
from resigrid.sim.engine.roads import from_lines, synthetic

STEP = 0.001  # degrees of longitude on the equator: about 111.3 m
UNIT = 2 * math.pi * 6_371_008.8 / 360 * STEP
NO_SUGGEST = EvacuationSettings(suggest=False)


def splits(total, parts):
    """Every way to split ``total`` people over ``parts`` shelters."""
    for cut in itertools.combinations(range(total + parts - 1), parts - 1):
        bounds = (-1, *cut, total + parts - 1)
        yield tuple(bounds[i + 1] - bounds[i] - 1 for i in range(parts))


def brute_force(cost, supply, capacity):
    best = math.inf
    for combo in itertools.product(*(list(splits(int(s), len(capacity))) for s in supply)):
        x = np.array(combo)
        if np.any(x.sum(axis=0) > capacity) or np.any((x > 0) & ~np.isfinite(cost)):
            continue
        best = min(best, float(np.sum(np.where(x > 0, np.where(x > 0, cost, 0.0) * x, 0.0))))
    return best


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda m: st.integers(1, 3).flatmap(
            lambda n: st.tuples(
                st.lists(
                    st.lists(st.one_of(st.integers(0, 50), st.none()), min_size=n, max_size=n),
                    min_size=m,
                    max_size=m,
                ),
                st.lists(st.integers(0, 3), min_size=m, max_size=m),
                st.lists(st.integers(0, 6), min_size=n, max_size=n),
            )
        )
    )
)
def test_transport_is_optimal_against_brute_force(case):
    raw, supply, capacity = case
    cost = np.array(
        [[transport.UNREACHABLE if c is None else c for c in row] for row in raw], dtype=np.int64
    )
    supply_a = np.array(supply, dtype=np.int64)
    cap_a = np.array(capacity, dtype=np.int64)
    costf = np.where(cost == transport.UNREACHABLE, np.inf, cost.astype(np.float64))
    best = brute_force(costf, supply_a, cap_a)
    if math.isinf(best):
        with pytest.raises(transport.TransportInfeasible):
            transport.solve(cost, supply_a, cap_a, k=1)
        return
    solution = transport.solve(
        cost, supply_a, cap_a, k=1
    )  # k=1 forces the optimality check to work
    assert solution.cost == best
    assert np.array_equal(np.bincount(solution.source, solution.amount, len(supply)), supply_a)
    assert np.all(np.bincount(solution.sink, solution.amount, len(capacity)) <= cap_a)


places = st.tuples(st.integers(0, 20), st.integers(0, 20))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(places, st.integers(0, 3)), min_size=1, max_size=4, unique_by=lambda b: b[0]
    ),
    st.lists(
        st.tuples(places, st.integers(0, 5)), min_size=1, max_size=3, unique_by=lambda s: s[0]
    ),
)
def test_plan_respects_capacity_assigns_everyone_and_is_optimal(bs, ss):
    taken = {p for p, _ in bs}
    ss = [(p, c) for p, c in ss if p not in taken] or [((21, 21), 0)]
    buildings = [
        Building(f"b{i}", x * STEP, y * STEP, r, grid="g") for i, ((x, y), r) in enumerate(bs)
    ]
    shelters = [Shelter(f"s{j}", x * STEP, y * STEP, c) for j, ((x, y), c) in enumerate(ss)]
    people = sum(r for _, r in bs)
    room = sum(c for _, c in ss)
    if people == 0:
        with pytest.raises(EngineInputError):
            plan_evacuation(buildings, shelters, settings=NO_SUGGEST)
        return
    if room < people:
        with pytest.raises(EvacuationInfeasible) as info:
            plan_evacuation(buildings, shelters, settings=NO_SUGGEST)
        assert info.value.code == "evacuation.capacity_short"
        return
    plan = plan_evacuation(buildings, shelters, settings=NO_SUGGEST)
    assert plan.evacuees == people
    assert sum(f.people for f in plan.flows) == people
    for load in plan.shelters:
        assert load.load <= load.capacity
    for b in buildings:
        assert sum(f.people for f in plan.flows if f.building == b.id) == b.residents
    # brute force over every split, on road distances computed here from the same street graph
    lons = [b.lon for b in buildings] + [s.lon for s in shelters]
    lats = [b.lat for b in buildings] + [s.lat for s in shelters]
    graph = synthetic(lons, lats)
    bn, _ = graph.snap([b.lon for b in buildings], [b.lat for b in buildings])
    sn, _ = graph.snap([s.lon for s in shelters], [s.lat for s in shelters])
    dist = csgraph.dijkstra(graph.matrix(), indices=bn)[:, sn]
    supply = np.array([b.residents for b in buildings])
    cap = np.array([s.capacity for s in shelters])
    assert plan.total_person_m == pytest.approx(
        brute_force(dist, supply, cap), abs=1e-3 * people + 1e-6
    )


def line_roads(*xs):
    """A straight east-west street through the given x positions (in STEP units) on the equator."""
    return from_lines([[(x * STEP, 0.0) for x in xs]])


def test_hand_case_splits_a_building_the_cheapest_way():
    roads = line_roads(0, 1, 2, 3, 4, 5)
    buildings = [Building("A", 0.0, 0.0, 10), Building("B", 3 * STEP, 0.0, 5)]
    shelters = [Shelter("S1", STEP, 0.0, 8), Shelter("S2", 5 * STEP, 0.0, 20)]
    plan = plan_evacuation(buildings, shelters, roads=roads, settings=NO_SUGGEST)
    got = {(f.building, f.shelter): f.people for f in plan.flows}
    # A→S1 8 (1 unit), A→S2 2 (5 units), B→S2 5 (2 units): 28 units; B→S1 instead would cost 48
    assert got == {("A", "S1"): 8, ("A", "S2"): 2, ("B", "S2"): 5}
    assert plan.total_person_m == pytest.approx(28 * UNIT, rel=1e-4)
    loads = {s.id: (s.load, s.utilisation) for s in plan.shelters}
    assert loads == {"S1": (8, 1.0), "S2": (7, 0.35)}
    a = next(b for b in plan.buildings if b.id == "A")
    assert a.max_distance_m == pytest.approx(5 * UNIT, rel=1e-4)
    assert a.mean_distance_m == pytest.approx((8 * 1 + 2 * 5) / 10 * UNIT, rel=1e-4)
    assert [r.id for r in plan.risk_points if r.kind == "shelter"] == ["S1"]


def test_clearing_time_and_helpers():
    roads = line_roads(0, 1, 2, 3, 4, 5)
    buildings = [Building("A", 0.0, 0.0, 10, assisted={"wheelchair": 2, "bedridden": 1})]
    shelters = [Shelter("S1", STEP, 0.0, 8), Shelter("S2", 5 * STEP, 0.0, 20)]
    cfg = EvacuationSettings(
        walking_speed_mps=1.0,
        assisted_speed_mps=0.5,
        helpers_per_assisted={"bedridden": 2.0},
        default_helpers=1.0,
        preparation_s=60.0,
        suggest=False,
    )
    plan = plan_evacuation(buildings, shelters, roads=roads, settings=cfg)
    a = plan.buildings[0]
    assert a.assisted == 3
    assert a.helpers == 4.0  # 2 wheelchairs × 1 + 1 bedridden × 2
    assert plan.helpers_required == 4.0
    # the 3 needing help go to S1 (1 unit at 0.5 m/s); the farthest walk to S2 (5 units at 1 m/s)
    assert a.clear_time_s == pytest.approx(60 + max(UNIT / 0.5, 5 * UNIT / 1.0), rel=1e-4)
    slow = plan_evacuation(
        buildings,
        shelters,
        roads=roads,
        settings=EvacuationSettings(assisted_speed_mps=0.1, walking_speed_mps=1.0, suggest=False),
    )
    assert slow.buildings[0].clear_time_s == pytest.approx(UNIT / 0.1, rel=1e-4)


def test_hazard_area_picks_the_evacuees_and_drops_shelters_inside():
    roads = line_roads(0, 1, 2, 3, 4, 5, 6)
    buildings = [
        Building("in1", 0.0, 0.0, 4),
        Building("in2", STEP, 0.0, 3),
        Building("out", 6 * STEP, 0.0, 50),
    ]
    shelters = [Shelter("wet", 2 * STEP, 0.0, 100), Shelter("dry", 5 * STEP, 0.0, 100)]
    hazard = [[(-0.5 * STEP, -STEP), (2.5 * STEP, -STEP), (2.5 * STEP, STEP), (-0.5 * STEP, STEP)]]
    plan = plan_evacuation(buildings, shelters, hazard=hazard, roads=roads, settings=NO_SUGGEST)
    assert plan.evacuees == 7
    assert {f.shelter for f in plan.flows} == {"dry"}
    wet = next(s for s in plan.shelters if s.id == "wet")
    assert wet.in_hazard and wet.load == 0
    assert any(r.id == "wet" and r.code == "evacuation.shelter_in_hazard" for r in plan.risk_points)
    with pytest.raises(EngineInputError) as info:
        plan_evacuation(buildings, shelters, hazard=[[(1, 1), (1.1, 1), (1.1, 1.1)]], roads=roads)
    assert info.value.code == "evacuation.nobody"


def two_islands():
    return from_lines(
        [[(0.0, 0.0), (STEP, 0.0), (2 * STEP, 0.0)], [(10 * STEP, 0.0), (11 * STEP, 0.0)]]
    )


def test_disconnected_building_is_named():
    buildings = [Building("near", 0.0, 0.0, 5), Building("island", 11 * STEP, 0.0, 3)]
    shelters = [Shelter("S", 2 * STEP, 0.0, 100)]
    with pytest.raises(EvacuationInfeasible) as info:
        plan_evacuation(buildings, shelters, roads=two_islands())
    assert info.value.code == "evacuation.disconnected"
    assert info.value.params["buildings"] == "island"
    assert "island" in str(info.value)
    plan = plan_evacuation(
        buildings,
        shelters,
        roads=two_islands(),
        settings=EvacuationSettings(on_disconnected="report", suggest=False),
    )
    assert plan.disconnected == ("island",)
    assert plan.evacuees == 5
    assert plan.risk_points[0].id == "island"
    assert plan.risk_points[0].code == "evacuation.disconnected"


def test_capacity_short_names_the_part_of_the_network():
    buildings = [Building("near", 0.0, 0.0, 5), Building("island", 11 * STEP, 0.0, 30)]
    shelters = [Shelter("S", 2 * STEP, 0.0, 100), Shelter("T", 10 * STEP, 0.0, 20)]
    with pytest.raises(EvacuationInfeasible) as info:
        plan_evacuation(buildings, shelters, roads=two_islands())
    assert info.value.code == "evacuation.capacity_short"
    assert info.value.params == {"buildings": "island", "shelters": "T", "missing": 10}


@pytest.mark.parametrize(
    ("buildings", "shelters", "cfg", "code"),
    [
        ([], [Shelter("s", 0, 0, 1)], None, "evacuation.no_buildings"),
        ([Building("b", 0, 0, 1)], [], None, "evacuation.no_shelters"),
        (
            [Building("b", 0, 0, 1), Building("b", 0.001, 0, 1)],
            [Shelter("s", 0, 0.001, 1)],
            None,
            "evacuation.duplicate",
        ),
        ([Building("b", 0, 0, -1)], [Shelter("s", 0, 0.001, 1)], None, "evacuation.residents"),
        (
            [Building("b", 0, 0, 1, assisted={"x": 2})],
            [Shelter("s", 0, 0.001, 1)],
            None,
            "evacuation.residents",
        ),
        ([Building("b", 200, 0, 1)], [Shelter("s", 0, 0.001, 1)], None, "evacuation.coordinates"),
        (
            [Building("b", 0, 0, 1)],
            [Shelter("s", 0, float("nan"), 1)],
            None,
            "evacuation.coordinates",
        ),
        ([Building("b", 0, 0, 1)], [Shelter("s", 0, 0.001, -1)], None, "evacuation.capacity"),
        (
            [Building("b", 0, 0, 1)],
            [Shelter("s", 0, 0.001, 1)],
            EvacuationSettings(walking_speed_mps=0),
            "evacuation.setting",
        ),
        (
            [Building("b", 0, 0, 1)],
            [Shelter("s", 0, 0.001, 1)],
            EvacuationSettings(load_warning=2),
            "evacuation.setting",
        ),
    ],
)
def test_bad_input_is_refused(buildings, shelters, cfg, code):
    with pytest.raises(EngineInputError) as info:
        plan_evacuation(buildings, shelters, settings=cfg)
    assert info.value.code == code


def test_bad_hazard_is_refused():
    b = [Building("b", 0, 0, 1)]
    s = [Shelter("s", 0, 0.001, 1)]
    for hazard in ([], [[(0, 0), (1, 1)]], [[(0, 0), (1, 1), (2, 2)]]):
        with pytest.raises(EngineInputError) as info:
            plan_evacuation(b, s, hazard=hazard)
        assert info.value.code == "evacuation.hazard"


def grid_town(seed):
    rng = np.random.default_rng(seed)
    buildings = [
        Building(
            f"b{i}",
            (i % 10) * STEP,
            (i // 10) * STEP,
            int(rng.integers(5, 40)),
            grid=f"g{(i % 10) // 5}{i // 50}",
        )
        for i in range(100)
    ]
    shelters = [
        Shelter("S1", 0.5 * STEP, 0.5 * STEP, 1200),
        Shelter("S2", 1.5 * STEP, 8.5 * STEP, 1200),
    ]
    return buildings, shelters


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_suggested_shelter_saves_at_least_its_bound(seed):
    buildings, shelters = grid_town(seed)
    plan = plan_evacuation(buildings, shelters, settings=EvacuationSettings(candidate_capacity=500))
    s = plan.suggestion
    assert s is not None
    assert s.capacity == 500
    assert s.saving_bound_m > 0
    assert s.saving_m is not None and s.saving_m >= s.saving_bound_m - 1e-3 * plan.evacuees
    # the far (east) half of the town is worst served, so the site lies there
    assert s.served_grid.startswith("g1")
    assert s.site in s.explanation and s.served_grid in s.explanation
    again = plan_evacuation(
        buildings, [*shelters, Shelter("new", s.lon, s.lat, 500)], settings=NO_SUGGEST
    )
    assert again.total_person_m == pytest.approx(
        plan.total_person_m - s.saving_m, abs=1e-3 * plan.evacuees
    )


def test_building_far_from_any_road_is_a_risk_point():
    roads = line_roads(0, 1, 2)
    buildings = [Building("A", 0.0, 0.0, 2), Building("hill", 2 * STEP, 5 * STEP, 2)]
    plan = plan_evacuation(
        buildings, [Shelter("S", STEP, 0.0, 10)], roads=roads, settings=NO_SUGGEST
    )
    off = [r for r in plan.risk_points if r.code == "evacuation.off_road"]
    assert [r.id for r in off] == ["hill"]
    assert off[0].params["distance_m"] == round(5 * UNIT)


def test_a_plan_too_large_for_memory_is_refused_before_work(monkeypatch):
    from resigrid.sim.engine import evacuation

    monkeypatch.setattr(evacuation, "MAX_CELLS", 10)
    buildings, shelters = grid_town(1)
    with pytest.raises(EngineInputError) as info:
        plan_evacuation(buildings, shelters)
    assert info.value.code == "evacuation.too_large"
