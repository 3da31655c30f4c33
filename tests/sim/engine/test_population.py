"""Population input: re-coding, nesting checks, and the synthetic generator."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resigrid.sim.engine.errors import EngineInputError
from resigrid.sim.engine.population import (
    NEED_NONE,
    Population,
    synthetic_population,
)


def test_synthetic_population_has_the_documented_structure() -> None:
    pop = synthetic_population(100_000, seed=4)
    assert pop.size == 100_000
    sizes = np.bincount(pop.household)
    assert sizes.min() >= 1
    assert sizes.max() <= 6
    assert 2.4 < sizes.mean() < 2.8
    heads = np.unique(pop.household, return_index=True)[1]  # first member of each household
    assert np.median(np.bincount(pop.building[heads])) == 50
    assert np.median(np.bincount(pop.grid[heads])) == 400
    assert 0.19 < (pop.age >= 60).mean() < 0.23
    assert pop.age.min() >= 0
    assert pop.age.max() < 100
    assert pop.age[heads].min() >= 20
    assert pop.vulnerable.any()
    assert (pop.need[~pop.vulnerable] == NEED_NONE).all()
    assert (pop.need[pop.vulnerable] != NEED_NONE).all()
    assert pop.grid_population().sum() == 100_000


def test_synthetic_population_is_deterministic_for_a_seed() -> None:
    a, b = synthetic_population(5_000, seed=9), synthetic_population(5_000, seed=9)
    for name in ("age", "household", "building", "grid", "community", "vulnerable", "need"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    c = synthetic_population(5_000, seed=10)
    assert not np.array_equal(a.age, c.age)


def test_from_arrays_recodes_any_ids_and_keeps_the_grid_keys() -> None:
    pop = Population.from_arrays(
        age=[30, 31, 70, 5],
        household=[9001, 9001, 17, 17],
        building=[500, 500, 42, 42],
        grid=[77, 77, 12, 12],
        community=[3, 3, 3, 3],
        vulnerable=[False, False, True, False],
    )
    assert pop.grid_keys.tolist() == [12, 77]
    assert pop.grid.tolist() == [1, 1, 0, 0]
    assert pop.household.tolist() == [1, 1, 0, 0]
    assert pop.building.tolist() == [1, 1, 0, 0]
    assert pop.community.tolist() == [0, 0, 0, 0]
    assert pop.vulnerable.tolist() == [False, False, True, False]
    assert pop.need.tolist() == [0, 0, 0, 0]


def _arrays(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "age": [30, 31, 70],
        "household": [1, 1, 2],
        "building": [10, 10, 11],
        "grid": [100, 100, 100],
        "community": [7, 7, 7],
    }
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"age": [], "household": [], "building": [], "grid": [], "community": []},
         "population_empty", "population"),
        ({"age": [30, -1, 70]}, "population_age", "age"),
        ({"age": [30, 121, 70]}, "population_age", "age"),
        ({"age": [30.5, 31.0, 70.0]}, "population_age", "age"),
        ({"household": [1, 1]}, "population_ids", "household"),
        ({"grid": ["a", "b", "c"]}, "population_ids", "grid"),
        ({"building": [10, 11, 11]}, "population_nesting", "household"),
        ({"grid": [100, 100, 101], "building": [10, 10, 10], "household": [1, 1, 1]},
         "population_nesting", "building"),
        ({"community": [7, 7, 8]}, "population_nesting", "grid"),
        ({"need": [0, 0, 9]}, "population_need", "need"),
        ({"vulnerable": [True]}, "population_flags", "vulnerable"),
    ],
)  # fmt: skip
def test_from_arrays_rejects_bad_input_naming_the_field(
    changes: dict[str, object], code: str, field: str
) -> None:
    with pytest.raises(EngineInputError) as caught:
        Population.from_arrays(**_arrays(**changes))  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.params["field"] == field


def test_nesting_error_names_the_offending_household() -> None:
    with pytest.raises(EngineInputError, match=r"household must belong to one building.*: 1\."):
        Population.from_arrays(**_arrays(building=[10, 11, 11]))  # type: ignore[arg-type]


def test_synthetic_population_refuses_zero_people() -> None:
    with pytest.raises(EngineInputError) as caught:
        synthetic_population(0)
    assert caught.value.code == "population_empty"


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 3_000), seed=st.integers(0, 2**32 - 1))
def test_synthetic_population_round_trips_through_from_arrays(n: int, seed: int) -> None:
    pop = synthetic_population(n, seed=seed, households_per_building=7, households_per_grid=20)
    again = Population.from_arrays(
        age=pop.age,
        household=pop.household,
        building=pop.building,
        grid=pop.grid,
        community=pop.community,
        vulnerable=pop.vulnerable,
        need=pop.need,
    )
    assert again.size == n
    assert np.bincount(pop.household).min() >= 1
    assert np.bincount(pop.household).max() <= 6
    for name in ("household", "building", "grid", "community"):
        assert np.array_equal(getattr(again, name), getattr(pop, name))
