"""Ensembles: determinism across process counts, the memory check, compare's input shape."""

from __future__ import annotations

import numpy as np
import pytest

from resigrid.sim.engine.compare import Objective, compare
from resigrid.sim.engine.ensemble import estimate_bytes, run_ensemble
from resigrid.sim.engine.epidemic import COMPARTMENTS
from resigrid.sim.engine.errors import EngineInputError
from resigrid.sim.engine.interventions import Isolation, Strategy, Testing
from resigrid.sim.engine.params import EpidemicParams
from resigrid.sim.engine.population import Population, synthetic_population

STRATEGIES = [Strategy("nothing"), Strategy("test and isolate", (Testing(0.3), Isolation()))]


@pytest.fixture(scope="module")
def village() -> Population:
    return synthetic_population(3_000, seed=5)


def test_results_do_not_depend_on_the_number_of_processes(village: Population) -> None:
    params = EpidemicParams(days=60, initial_infected=20)
    one = run_ensemble(village, STRATEGIES, params=params, replicates=3, seed=42, processes=1)
    two = run_ensemble(village, STRATEGIES, params=params, replicates=3, seed=42, processes=2)
    for a, b in zip(one.strategies, two.strategies, strict=True):
        assert a.name == b.name
        assert np.array_equal(a.totals, b.totals)
        assert a.outcomes.keys() == b.outcomes.keys()
        for name in a.outcomes:
            assert np.array_equal(a.outcomes[name], b.outcomes[name])
        for name in a.grid:
            assert np.array_equal(a.grid[name], b.grid[name])
    # Replicates differ from each other, and another seed gives another ensemble.
    assert len(set(one.outcomes()["nothing"]["infections"].tolist())) > 1
    other = run_ensemble(village, STRATEGIES[:1], params=params, replicates=3, seed=43)
    assert not np.array_equal(other.strategies[0].totals, one.strategies[0].totals)


def test_shapes_fit_compare_and_progress_is_reported(village: Population) -> None:
    calls: list[tuple[int, int]] = []
    result = run_ensemble(
        village,
        STRATEGIES,
        params=EpidemicParams(days=40, initial_infected=20),
        replicates=4,
        seed=1,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(i, 8) for i in range(1, 9)]
    outcomes = result.outcomes()
    assert set(outcomes) == {"nothing", "test and isolate"}
    assert outcomes["nothing"]["deaths"].shape == (4,)
    series = result.series()
    assert set(series["nothing"]) == set(COMPARTMENTS)
    assert series["nothing"]["I"].shape == (4, 41)
    stacked = np.stack([series["nothing"][c] for c in COMPARTMENTS])
    assert (stacked.sum(axis=0) == village.size).all()
    grid = result.grid_means("nothing")
    assert grid["infected"].shape == (village.n_grids,)
    comparison = compare(
        outcomes,
        Objective(kind="weighted", weights={"infections": 1.0}),
        series=series,
    )
    assert comparison.best == "test and isolate"


def test_an_ensemble_too_big_for_memory_is_refused_before_any_run(village: Population) -> None:
    calls: list[int] = []
    with pytest.raises(EngineInputError) as caught:
        run_ensemble(
            village,
            STRATEGIES,
            replicates=10,
            memory_limit=10 * 2**20,
            progress=lambda done, total: calls.append(done),
        )
    assert caught.value.code == "ensemble_memory"
    assert "MB" in str(caught.value)
    assert calls == []
    # The estimate grows with people, replicates and processes in flight.
    small = estimate_bytes(1_000, 180, 10, 10, 2, 1)
    assert estimate_bytes(1_000_000, 180, 10, 10, 2, 1) > small
    assert estimate_bytes(1_000, 180, 10, 10, 2, 2) > small
    assert estimate_bytes(1_000, 180, 10, 10_000, 2, 1) > small


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"replicates": 0}, "integer_range", "replicates"),
        ({"processes": 0}, "integer_range", "processes"),
        ({"strategies": []}, "no_strategies", "strategies"),
        ({"strategies": [Strategy("a"), Strategy("a")]}, "strategy_name_repeated", "strategies"),
        ({"strategies": [Strategy(" ")]}, "strategy_name", "name"),
        ({"params": EpidemicParams(r0=1000)}, "r0_range", "r0"),
    ],
)
def test_bad_ensemble_input_is_refused(
    village: Population, kwargs: dict[str, object], code: str, field: str
) -> None:
    arguments: dict[str, object] = {"strategies": STRATEGIES, "replicates": 2}
    arguments.update(kwargs)
    with pytest.raises(EngineInputError) as caught:
        run_ensemble(village, **arguments)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.params["field"] == field
