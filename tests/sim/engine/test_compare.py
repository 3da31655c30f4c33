"""Compare and recommend: summaries, Pareto front, best strategy under a stated objective."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from resigrid.sim.engine.compare import (
    Objective,
    RiskPoint,
    compare,
    pareto_mask,
    sort_risk_points,
    summarise,
    summarise_series,
)
from resigrid.sim.engine.errors import EngineInputError


def test_summary_of_known_values():
    band = summarise([1.0, 2.0, 3.0, 4.0, 5.0])
    assert band.n == 5
    assert band.mean == 3.0
    assert band.median == 3.0
    assert band.q05 == pytest.approx(1.2)
    assert band.q95 == pytest.approx(4.8)
    # t(0.975, 4) = 2.7764451; sd = sqrt(2.5); sem = sd / sqrt(5)
    half = 2.7764451051977987 * np.sqrt(2.5) / np.sqrt(5)
    assert band.ci_low == pytest.approx(3.0 - half)
    assert band.ci_high == pytest.approx(3.0 + half)


def test_one_replicate_has_a_zero_width_interval():
    band = summarise([7.0])
    assert (band.ci_low, band.mean, band.ci_high) == (7.0, 7.0, 7.0)


@pytest.mark.parametrize("values", [[], [1.0, float("nan")], [float("inf")]])
def test_bad_replicates_are_refused(values):
    with pytest.raises(EngineInputError):
        summarise(values)


def test_series_band_per_day():
    band = summarise_series([[0, 10], [2, 20], [4, 30]])
    assert band.median.tolist() == [2.0, 20.0]
    assert band.mean.tolist() == [2.0, 20.0]
    with pytest.raises(EngineInputError):
        summarise_series([1, 2, 3])


def test_pareto_hand_case():
    points = [[10, 5], [8, 8], [12, 4], [11, 6], [8, 8], [20, 20]]
    # (11, 6) is dominated by (10, 5); (20, 20) by everything; the duplicate (8, 8) stays twice
    assert pareto_mask(points).tolist() == [True, True, True, False, True, False]


def _dominates(a, b):
    return bool(np.all(a <= b) and np.any(a < b))


@settings(max_examples=200, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 12), st.integers(1, 3)),
        elements=st.integers(0, 5).map(float),
    )
)
def test_pareto_property(points):
    mask = pareto_mask(points)
    for i, on in enumerate(mask):
        dominated = any(_dominates(points[j], points[i]) for j in range(len(points)) if j != i)
        assert on == (not dominated)
        if not on:  # every non-member is dominated by a member of the front
            assert any(_dominates(points[j], points[i]) for j in np.flatnonzero(mask))


OUTCOMES = {
    "nothing": {"deaths": np.array([30.0, 34.0, 32.0]), "lockdown_days": np.array([0.0, 0.0, 0.0])},
    "lockdown": {
        "deaths": np.array([10.0, 12.0, 11.0]),
        "lockdown_days": np.array([9000.0, 9100.0, 8900.0]),
    },
    "isolate": {
        "deaths": np.array([14.0, 15.0, 13.0]),
        "lockdown_days": np.array([1000.0, 1100.0, 900.0]),
    },
    "both_bad": {
        "deaths": np.array([31.0, 35.0, 33.0]),
        "lockdown_days": np.array([2000.0, 2000.0, 2000.0]),
    },
}


def test_weighted_objective_names_the_best_and_states_the_rule():
    result = compare(
        OUTCOMES, Objective("weighted", weights={"deaths": 1000.0, "lockdown_days": 1.0})
    )
    # nothing 32000, lockdown 20000, isolate 15000, both_bad 35000
    assert result.ranking == ("isolate", "lockdown", "nothing", "both_bad")
    assert result.best == "isolate"
    assert result.scores["isolate"] == pytest.approx(15000.0)
    assert result.pareto_front == ("nothing", "lockdown", "isolate")
    assert "1000 × deaths + 1 × lockdown_days" in result.explanation
    assert "Best strategy: isolate" in result.explanation


def test_lexicographic_with_tolerance():
    objective = Objective("lexicographic", order=("deaths", "lockdown_days"), tolerance=0.3)
    result = compare(OUTCOMES, objective)
    # deaths: lockdown 11, isolate 14 (within 30 % of 11 → tie), so fewer lockdown days wins
    assert result.ranking[:2] == ("isolate", "lockdown")
    strict = compare(OUTCOMES, Objective("lexicographic", order=("deaths", "lockdown_days")))
    assert strict.ranking == ("lockdown", "isolate", "nothing", "both_bad")
    assert "deaths then lockdown_days" in strict.explanation


def test_series_are_summarised_and_missing_outcomes_refused():
    series = {"nothing": {"infected": np.ones((3, 5))}}
    result = compare(OUTCOMES, Objective("weighted", weights={"deaths": 1.0}), series=series)
    assert result.summaries["nothing"].series["infected"].median.tolist() == [1.0] * 5
    with pytest.raises(EngineInputError, match="has no outcome peak"):
        compare(OUTCOMES, Objective("weighted", weights={"peak": 1.0}))
    with pytest.raises(EngineInputError):
        compare({}, Objective("weighted", weights={"deaths": 1.0}))
    with pytest.raises(EngineInputError):
        compare(OUTCOMES, Objective("weighted", weights={"deaths": -1.0}))


def test_risk_points_sort_worst_first():
    points = [
        RiskPoint("grid", "b", 1.0, "x"),
        RiskPoint("shelter", "a", 2.0, "y"),
        RiskPoint("grid", "a", 1.0, "z"),
    ]
    assert [p.id for p in sort_risk_points(points)] == ["a", "a", "b"]
    assert [p.kind for p in sort_risk_points(points)] == ["shelter", "grid", "grid"]


def test_win_share_over_paired_replicates():
    result = compare(
        OUTCOMES, Objective("weighted", weights={"deaths": 1000.0, "lockdown_days": 1.0})
    )
    # per replicate: isolate 15000/16100/13900, lockdown 19000/21100/19900, nothing ≥ 30000
    assert result.win_share == {"nothing": 0.0, "lockdown": 0.0, "isolate": 1.0, "both_bad": 0.0}
    assert "lowest in 100% of the paired replicates" in result.explanation
    tied = compare(
        {"a": {"x": np.array([1.0, 2.0])}, "b": {"x": np.array([1.0, 3.0])}},
        Objective("weighted", weights={"x": 1.0}),
    )
    assert tied.win_share == {"a": 0.75, "b": 0.25}
    uneven = compare(
        {"a": {"x": np.array([1.0, 2.0])}, "b": {"x": np.array([1.0])}},
        Objective("weighted", weights={"x": 1.0}),
    )
    assert uneven.win_share is None
    lex = compare(OUTCOMES, Objective("lexicographic", order=("deaths",)))
    assert lex.win_share is None
