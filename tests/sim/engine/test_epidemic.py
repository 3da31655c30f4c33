"""The epidemic engine: invariants, reproducibility, interventions, parameter errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resigrid.sim.engine.epidemic import COMPARTMENTS, EpidemicModel, EpidemicResult, run_epidemic
from resigrid.sim.engine.errors import EngineInputError
from resigrid.sim.engine.interventions import (
    GridLockdown,
    Intervention,
    Isolation,
    ReducedContacts,
    Strategy,
    Testing,
    Vaccination,
)
from resigrid.sim.engine.params import Duration, EpidemicParams, LayerWeights
from resigrid.sim.engine.population import Population, synthetic_population


@pytest.fixture(scope="module")
def town() -> Population:
    return synthetic_population(20_000, seed=3)


def check_invariants(result: EpidemicResult, n: int) -> None:
    totals = result.totals
    assert totals.shape == (result.days + 1, len(COMPARTMENTS))
    assert (totals >= 0).all()
    assert (totals.sum(axis=1) == n).all()  # S + E + I + R + H + D = N every day
    ever = n - totals[:, 0]
    assert (np.diff(ever) >= 0).all()  # nobody becomes susceptible again
    assert (np.diff(totals[:, 5]) >= 0).all()  # the dead stay dead
    assert (np.diff(result.detected) >= 0).all()
    assert (result.detected <= ever).all()
    assert (result.locked_people <= n).all()
    assert result.grid_infected.sum() == ever[-1]
    assert result.grid_deaths.sum() == totals[-1, 5]
    assert result.grid_detected.sum() == result.detected[-1]
    assert result.grid_population.sum() == n
    if result.grid_series is not None:
        assert (result.grid_series.sum(axis=1) == result.grid_population).all()
        assert (result.grid_series.sum(axis=2) == totals).all()
        detected, locked = result.grid_detected_series, result.grid_locked_series
        assert detected is not None
        assert locked is not None
        assert (detected.sum(axis=1) == result.detected).all()
        assert (np.diff(detected, axis=0) >= 0).all()
        assert (locked @ result.grid_population == result.locked_people).all()
        assert (locked.sum(axis=0) == result.grid_locked_days).all()


def test_a_run_keeps_every_person_in_one_compartment_every_day(town: Population) -> None:
    result = run_epidemic(town, EpidemicParams(days=120), seed=1, keep_grid_series=True)
    check_invariants(result, town.size)
    assert result.grid_series is not None
    assert result.grid_series.shape == (121, 6, town.n_grids)
    assert result.outcomes()["infections"] > 1_000  # R0 2.5 takes off in a town
    assert result.totals[-1, 4] + result.totals[-1, 5] > 0  # some went to hospital


def test_the_same_seed_gives_the_same_run_and_another_seed_another(town: Population) -> None:
    model = EpidemicModel(town, EpidemicParams(days=90))
    strategy = (Testing(0.2), Isolation(0.3), GridLockdown(threshold=4), Vaccination(100))
    a = model.run(strategy, seed=7, keep_grid_series=True)
    b = model.run(strategy, seed=7, keep_grid_series=True)
    c = run_epidemic(town, EpidemicParams(days=90), strategy, seed=7, keep_grid_series=True)
    assert a.grid_series is not None
    assert np.array_equal(a.grid_series, b.grid_series)  # type: ignore[arg-type]
    assert np.array_equal(a.grid_series, c.grid_series)  # type: ignore[arg-type]
    assert a.outcomes() == b.outcomes() == c.outcomes()
    assert a.to_dict() == c.to_dict()
    d = model.run(strategy, seed=8)
    assert not np.array_equal(a.totals, d.totals)


def test_seed_sequence_is_not_consumed_by_a_run(town: Population) -> None:
    model = EpidemicModel(town, EpidemicParams(days=30))
    seed = np.random.SeedSequence(5)
    assert np.array_equal(model.run(seed=seed).totals, model.run(seed=seed).totals)


def test_an_epidemic_that_dies_out_stays_flat(town: Population) -> None:
    result = run_epidemic(town, EpidemicParams(r0=0.2, days=200, initial_infected=3), seed=2)
    check_invariants(result, town.size)
    assert result.totals[-1, 1] == result.totals[-1, 2] == result.totals[-1, 4] == 0
    assert result.outcomes()["infections"] < 20


def test_results_map_back_to_the_callers_grid_keys() -> None:
    pop = Population.from_arrays(
        age=[30, 40, 50, 60],
        household=[1, 1, 2, 2],
        building=[1, 1, 2, 2],
        grid=[900, 900, 300, 300],
        community=[1, 1, 1, 1],
    )
    result = run_epidemic(pop, EpidemicParams(days=10, initial_infected=4), seed=0)
    assert result.grid_keys.tolist() == [300, 900]
    assert result.grid_population.tolist() == [2, 2]
    assert result.grid_infected.tolist() == [2, 2]
    assert result.to_dict()["grids"]["keys"] == [300, 900]


def test_testing_alone_detects_without_changing_the_epidemic(town: Population) -> None:
    model = EpidemicModel(town, EpidemicParams(days=100))
    base, tested = model.run(seed=4), model.run((Testing(0.3),), seed=4)
    assert np.array_equal(base.totals, tested.totals)  # detection has no effect by itself
    assert tested.detected[-1] > 3 * base.detected[-1]  # but finds far more than hospitals do


def test_hospital_admissions_are_always_detected(town: Population) -> None:
    result = run_epidemic(town, EpidemicParams(days=150), seed=3)
    admitted = result.totals[-1, 4] + result.totals[-1, 5]  # still in hospital or dead there
    assert result.detected[-1] >= admitted


def test_vulnerable_people_are_vaccinated_first(town: Population) -> None:
    vulnerable = int(town.vulnerable.sum())
    # One day of doses covers exactly the vulnerable; a perfect vaccine then spares them.
    vaccine = Vaccination(daily_doses=vulnerable, efficacy_infection=1.0, efficacy_severe=1.0)
    params = EpidemicParams(days=120, initial_infected=50)
    result = run_epidemic(town, params, (vaccine,), seed=1)
    assert result.doses >= vulnerable
    assert result.vulnerable_deaths == 0
    base = run_epidemic(town, params, seed=1)
    assert base.vulnerable_deaths > 0


def test_lockdown_triggers_on_detections_and_counts_person_days(town: Population) -> None:
    params = EpidemicParams(days=120)
    never = GridLockdown(threshold=10**6)
    quiet = run_epidemic(town, params, (Testing(0.3), never), seed=2)
    assert quiet.outcomes()["person_days_locked"] == 0
    locked = run_epidemic(town, params, (Testing(0.3), GridLockdown(threshold=3)), seed=2)
    assert locked.outcomes()["person_days_locked"] > 0
    assert locked.outcomes()["person_days_locked"] == float(
        (locked.grid_locked_days * locked.grid_population).sum()
    )
    assert locked.locked_people.sum() == locked.outcomes()["person_days_locked"]
    assert (locked.grid_locked_days[locked.grid_detected == 0] == 0).all()
    late = run_epidemic(
        town, params, (Testing(0.3), GridLockdown(threshold=3, start_day=60)), seed=2
    )
    assert late.locked_people[:60].sum() == 0


STRATEGIES: dict[str, tuple[Intervention, ...]] = {
    "isolation": (Testing(0.1), Isolation()),
    "lockdown": (Testing(0.1), GridLockdown(threshold=3)),
    "reduced": (ReducedContacts(0.5),),
    "vaccination": (Vaccination(100),),
    "reduced_late": (ReducedContacts(0.7, start_day=30, end_day=60),),
}


@pytest.fixture(scope="module")
def town_model(town: Population) -> EpidemicModel:
    return EpidemicModel(town, EpidemicParams(days=150))


@pytest.fixture(scope="module")
def baseline(town_model: EpidemicModel) -> list[float]:
    return [town_model.run(seed=seed).outcomes()["infections"] for seed in range(6)]


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_an_intervention_never_raises_infections_in_expectation(
    town_model: EpidemicModel, baseline: list[float], name: str
) -> None:
    base = baseline
    treated = [
        town_model.run(STRATEGIES[name], seed=seed).outcomes()["infections"] for seed in range(6)
    ]
    # Paired over common random numbers: the mean difference must not exceed 3 standard errors.
    diff = np.array(treated) - np.array(base)
    margin = 3 * diff.std(ddof=1) / np.sqrt(diff.size)
    assert diff.mean() <= margin, (base, treated)
    assert np.mean(treated) < np.mean(base)  # and each of these actually helps


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 400),
    seed=st.integers(0, 2**32 - 1),
    r0=st.floats(0.1, 8.0),
    days=st.integers(1, 60),
    homogeneous=st.booleans(),
    test_p=st.floats(0, 1),
    threshold=st.integers(1, 5),
    doses=st.integers(0, 50),
    factor=st.floats(0, 1),
    capacity=st.integers(0, 5),
)
def test_invariants_hold_for_any_small_population_and_strategy(
    n: int,
    seed: int,
    r0: float,
    days: int,
    homogeneous: bool,
    test_p: float,
    threshold: int,
    doses: int,
    factor: float,
    capacity: int,
) -> None:
    pop = synthetic_population(
        n, seed=seed % 1000, households_per_building=3, households_per_grid=9
    )
    params = EpidemicParams(
        r0=r0,
        days=days,
        homogeneous=homogeneous,
        initial_infected=max(1, n // 20),
        hospital_capacity=capacity,
        hospitalisation_probs=(0.3,) * 10,  # frequent enough to exercise the hospital paths
        death_probs=(0.1,) * 10,
        latent=Duration(2, 1),
        infectious=Duration(4, 2),
    )
    strategy = (
        Testing(test_p),
        Isolation(factor),
        GridLockdown(threshold=threshold, duration_days=5),
        ReducedContacts(factor),
        Vaccination(doses),
    )
    result = run_epidemic(pop, params, strategy, seed=seed, keep_grid_series=True)
    check_invariants(result, n)
    assert result.doses <= n
    again = run_epidemic(pop, params, strategy, seed=seed, keep_grid_series=True)
    assert np.array_equal(result.totals, again.totals)


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        (EpidemicParams(r0=1000), "r0_range", "r0"),
        (EpidemicParams(r0=0), "r0_range", "r0"),
        (EpidemicParams(r0=-2), "r0_range", "r0"),
        (EpidemicParams(r0=float("nan")), "r0_range", "r0"),
        (EpidemicParams(days=0), "integer_range", "days"),
        (EpidemicParams(initial_infected=0), "integer_range", "initial_infected"),
        (EpidemicParams(latent=Duration(-1, 1)), "duration_mean", "latent"),
        (EpidemicParams(infectious=Duration(5, -1)), "duration_sd", "infectious"),
        (EpidemicParams(layer_weights=LayerWeights(household=-0.1)), "layer_weight",
         "layer_weights.household"),
        (EpidemicParams(layer_weights=LayerWeights(0, 0, 0, 0, 0)), "layer_weights_zero",
         "layer_weights"),
        (EpidemicParams(hospitalisation_probs=(1.5,) * 10), "probability_range",
         "hospitalisation_probs"),
        (EpidemicParams(death_probs=(0.5,) * 10), "death_above_hospitalisation", "death_probs"),
        (EpidemicParams(death_probs=(0.0,) * 3), "band_count", "death_probs"),
        (EpidemicParams(age_cutoffs=(5, 10)), "age_cutoffs", "age_cutoffs"),
        (EpidemicParams(relative_susceptibility=(-1.0,) * 10), "susceptibility_range",
         "relative_susceptibility"),
        (EpidemicParams(hospital_capacity=-1), "integer_range", "hospital_capacity"),
        (EpidemicParams(no_bed_death_factor=0.5), "number_range", "no_bed_death_factor"),
    ],
)  # fmt: skip
def test_parameters_out_of_range_are_refused_naming_the_field(
    town: Population, params: EpidemicParams, code: str, field: str
) -> None:
    with pytest.raises(EngineInputError) as caught:
        EpidemicModel(town, params)
    assert caught.value.code == code
    assert caught.value.params["field"] == field


@pytest.mark.parametrize(
    ("interventions", "code", "field"),
    [
        ((Testing(1.5),), "fraction_range", "testing.daily_probability"),
        ((Isolation(-0.1),), "fraction_range", "isolation.household_factor"),
        ((GridLockdown(threshold=0),), "integer_range", "grid_lockdown.threshold"),
        ((GridLockdown(duration_days=0),), "integer_range", "grid_lockdown.duration_days"),
        ((ReducedContacts(0.5, start_day=10, end_day=5),), "integer_range",
         "reduced_contacts.end_day"),
        ((Vaccination(-1),), "integer_range", "vaccination.daily_doses"),
        ((Vaccination(start_day=-3),), "integer_range", "vaccination.start_day"),
        ((Testing(), Testing()), "intervention_repeated", "interventions"),
    ],
)  # fmt: skip
def test_interventions_out_of_range_are_refused(
    town: Population, interventions: tuple[Intervention, ...], code: str, field: str
) -> None:
    model = EpidemicModel(town, EpidemicParams(days=5))
    with pytest.raises(EngineInputError) as caught:
        model.run(Strategy("bad", interventions))
    assert caught.value.code == code
    assert caught.value.params["field"] == field


def test_more_initial_cases_than_people_is_refused() -> None:
    pop = synthetic_population(5, seed=1)
    with pytest.raises(EngineInputError) as caught:
        EpidemicModel(pop, EpidemicParams(initial_infected=6))
    assert caught.value.code == "initial_infected_range"


def test_durations_are_whole_days_with_the_published_means() -> None:
    pmf = Duration(8.0, 2.0).pmf()
    assert pmf[0] == 0
    assert pmf.sum() == pytest.approx(1.0)
    assert (np.arange(pmf.size) * pmf).sum() == pytest.approx(8.0, abs=0.05)
    assert Duration(3.0, 0.0).pmf().tolist() == [0.0, 0.0, 0.0, 1.0]
    # R0 = β × mean infectious days, on the discretised distribution.
    params = EpidemicParams(r0=2.0, infectious=Duration(4.0, 0.0))
    assert params.beta() == pytest.approx(0.5)


def test_doses_are_given_every_day_from_the_start_day(town: Population) -> None:
    result = run_epidemic(town, EpidemicParams(days=30), (Vaccination(10, start_day=5),), seed=1)
    assert result.doses == 10 * 26  # days 5..30, long after the last case as well


def test_no_free_bed_makes_death_more_likely(town: Population) -> None:
    beds = EpidemicModel(town, EpidemicParams(days=150, hospital_capacity=10**6))
    none = EpidemicModel(
        town, EpidemicParams(days=150, hospital_capacity=0, no_bed_death_factor=3.0)
    )
    with_beds = [beds.run(seed=s).outcomes()["deaths"] for s in range(3)]
    without = [none.run(seed=s).outcomes()["deaths"] for s in range(3)]
    assert np.mean(without) > 1.5 * np.mean(with_beds)
    overflow = none.run(seed=0).outcomes()
    assert overflow["hospital_overflow_days"] > 0
    assert beds.run(seed=0).outcomes()["hospital_overflow_bed_days"] == 0
