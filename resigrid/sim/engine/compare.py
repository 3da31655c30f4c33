"""Compare candidate strategies and recommend one.

Input shape, shared with the epidemic ensemble runner:

- ``outcomes``: strategy → outcome name → 1-D array over replicates (one scalar per replicate,
  e.g. deaths, infections, person-days locked down, peak hospital demand). Every outcome is a
  quantity to *minimise*.
- ``series`` (optional): strategy → series name → 2-D array ``[replicates, days]``.

`compare` summarises each outcome (median with 5–95 % quantiles; mean with a Student-t confidence
interval), finds the Pareto front over the chosen objectives, and names the best strategy under a
stated `Objective` (weighted sum or lexicographic), with the rule written out in the result text.
`RiskPoint` is the risk-point record shared by the evacuation, supplies and epidemic engines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]  # no scipy-stubs in the lock

from resigrid.sim.engine.errors import EngineInputError, name_list

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: strategy → outcome name → values over replicates (1-D)
Outcomes = Mapping[str, Mapping[str, npt.ArrayLike]]
#: strategy → series name → values ``[replicates, days]``
Series = Mapping[str, Mapping[str, npt.ArrayLike]]

RiskKind = Literal["grid", "building", "shelter", "item", "road"]
Statistic = Literal["mean", "median"]


@dataclass(frozen=True)
class RiskPoint:
    """A place or thing to look at, with why.

    ``kind`` says what ``id`` names (a grid code, a building, a shelter, an item — for items the
    id is ``"<grid>:<item>"``); ``score`` orders risk points of one kind, higher is worse;
    ``reason`` is a short English sentence, ``code`` a stable key for translation and ``params``
    its values.
    """

    kind: RiskKind
    id: str
    score: float
    reason: str
    code: str = ""
    params: Mapping[str, float | int | str] = field(default_factory=dict)


def sort_risk_points(points: Sequence[RiskPoint]) -> list[RiskPoint]:
    """Worst first; ties by kind then id, so the order is deterministic."""
    return sorted(points, key=lambda p: (-p.score, p.kind, p.id))


@dataclass(frozen=True)
class Band:
    """One outcome of one strategy over its replicates."""

    n: int
    mean: float
    ci_low: float  # mean's confidence interval (equal to the mean when n < 2)
    ci_high: float
    median: float
    q05: float
    q95: float
    confidence: float


@dataclass(frozen=True)
class SeriesBand:
    """A daily series over replicates: per day median, 5 % and 95 % quantiles, mean."""

    median: FloatArray
    q05: FloatArray
    q95: FloatArray
    mean: FloatArray


@dataclass(frozen=True)
class StrategySummary:
    strategy: str
    outcomes: Mapping[str, Band]
    series: Mapping[str, SeriesBand]


@dataclass(frozen=True)
class Objective:
    """How "best" is decided; every outcome is minimised.

    ``weighted``: the smallest sum of ``weight × statistic`` over ``weights`` (weights in the
    caller's units, e.g. one death = 10,000 person-days locked down).
    ``lexicographic``: the smallest first outcome in ``order``; strategies within ``tolerance``
    (relative to the best value, e.g. 0.02 = 2 %) of it tie and go to the next outcome.
    """

    kind: Literal["weighted", "lexicographic"]
    weights: Mapping[str, float] = field(default_factory=dict)
    order: tuple[str, ...] = ()
    statistic: Statistic = "mean"
    tolerance: float = 0.0

    def outcomes(self) -> tuple[str, ...]:
        return tuple(self.weights) if self.kind == "weighted" else self.order

    def describe(self) -> str:
        if self.kind == "weighted":
            terms = " + ".join(f"{w:g} × {name}" for name, w in self.weights.items())
            return f"smallest weighted sum of the {self.statistic}s: {terms}"
        tol = (
            f" (values within {self.tolerance:.0%} of the best count as equal)"
            if self.tolerance
            else ""
        )
        return f"smallest {self.statistic} of {' then '.join(self.order)}, in that order{tol}"


@dataclass(frozen=True)
class Comparison:
    summaries: Mapping[str, StrategySummary]
    pareto_objectives: tuple[str, ...]
    pareto_front: tuple[str, ...]  # strategies nobody beats on every objective, in input order
    objective: Objective
    ranking: tuple[str, ...]  # best first
    scores: Mapping[str, float]  # weighted sum (weighted) or rank position (lexicographic)
    best: str
    explanation: str
    # weighted objective, every strategy with the same number of replicates (replicate r of each
    # run with the same seed): the share of replicates in which each strategy scores lowest
    # (ties split); None otherwise
    win_share: Mapping[str, float] | None = None


def summarise(values: npt.ArrayLike, confidence: float = 0.95) -> Band:
    """Median with 5–95 % quantiles and the mean with its Student-t confidence interval."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0:
        raise EngineInputError("compare.empty", "No replicate values to summarise.")
    if not np.all(np.isfinite(arr)):
        raise EngineInputError("compare.not_finite", "Replicate values must be finite numbers.")
    if not 0.0 < confidence < 1.0:
        raise EngineInputError(
            "compare.confidence",
            "The confidence level must lie between 0 and 1.",
            confidence=confidence,
        )
    mean = float(arr.mean())
    if arr.size >= 2:
        sem = float(arr.std(ddof=1)) / math.sqrt(arr.size)
        half = float(stats.t.ppf(0.5 + confidence / 2.0, df=arr.size - 1)) * sem
    else:
        half = 0.0
    q05, median, q95 = (float(q) for q in np.quantile(arr, [0.05, 0.5, 0.95]))
    return Band(
        n=int(arr.size),
        mean=mean,
        ci_low=mean - half,
        ci_high=mean + half,
        median=median,
        q05=q05,
        q95=q95,
        confidence=confidence,
    )


def summarise_series(values: npt.ArrayLike) -> SeriesBand:
    """Per-day bands of a ``[replicates, days]`` array."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise EngineInputError(
            "compare.series_shape",
            "A daily series must be a [replicates, days] array.",
            shape=str(arr.shape),
        )
    q05, median, q95 = np.quantile(arr, [0.05, 0.5, 0.95], axis=0)
    return SeriesBand(median=median, q05=q05, q95=q95, mean=arr.mean(axis=0))


def pareto_mask(points: npt.ArrayLike) -> BoolArray:
    """Which rows of ``points`` (n × k, all minimised) no other row dominates.

    Row j dominates row i when it is no worse on every column and better on one. Equal rows do
    not dominate each other, so duplicates are all on the front.
    """
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2:
        raise EngineInputError("compare.pareto_shape", "Pareto points must be an n × k array.")
    if p.shape[0] == 0:
        return np.zeros(0, dtype=np.bool_)
    le = np.all(p[:, None, :] <= p[None, :, :], axis=2)  # le[j, i]: j no worse than i everywhere
    lt = np.any(p[:, None, :] < p[None, :, :], axis=2)
    dominated: BoolArray = np.any(le & lt, axis=0)
    return ~dominated


def _stat(band: Band, statistic: Statistic) -> float:
    return band.mean if statistic == "mean" else band.median


def _check(outcomes: Outcomes, names: Sequence[str]) -> None:
    if not outcomes:
        raise EngineInputError("compare.no_strategies", "There are no strategies to compare.")
    for strategy, values in outcomes.items():
        missing = [n for n in names if n not in values]
        if missing:
            raise EngineInputError(
                "compare.missing_outcome",
                f"Strategy {strategy} has no outcome {name_list(missing)}.",
                strategy=strategy,
                outcomes=name_list(missing),
            )


def _rank(
    strategies: list[str], summaries: Mapping[str, StrategySummary], objective: Objective
) -> tuple[list[str], dict[str, float]]:
    if objective.kind == "weighted":
        scores = {
            s: float(
                sum(
                    w * _stat(summaries[s].outcomes[name], objective.statistic)
                    for name, w in objective.weights.items()
                )
            )
            for s in strategies
        }
        return sorted(strategies, key=lambda s: (scores[s], strategies.index(s))), scores

    def lex(group: list[str], depth: int) -> list[str]:
        if depth == len(objective.order) or len(group) <= 1:
            return group
        name = objective.order[depth]
        value = {s: _stat(summaries[s].outcomes[name], objective.statistic) for s in group}
        ordered = sorted(group, key=lambda s: (value[s], strategies.index(s)))
        out: list[str] = []
        while ordered:
            head = value[ordered[0]]
            limit = head + abs(head) * objective.tolerance
            tied = [s for s in ordered if value[s] <= limit]
            ordered = [s for s in ordered if value[s] > limit]
            out.extend(lex(tied, depth + 1))
        return out

    ranking = lex(list(strategies), 0)
    return ranking, {s: float(i + 1) for i, s in enumerate(ranking)}


def _win_share(
    outcomes: Outcomes, strategies: list[str], objective: Objective
) -> dict[str, float] | None:
    if objective.kind != "weighted":
        return None
    rows = [
        sum(
            w * np.asarray(outcomes[s][name], dtype=np.float64).ravel()
            for name, w in objective.weights.items()
        )
        for s in strategies
    ]
    if len({np.shape(r) for r in rows}) != 1:
        return None
    score = np.vstack([np.atleast_1d(r) for r in rows])  # strategies × replicates
    lowest = score == score.min(axis=0)
    share = (lowest / lowest.sum(axis=0)).mean(axis=1)
    return {s: float(v) for s, v in zip(strategies, share, strict=True)}


def compare(
    outcomes: Outcomes,
    objective: Objective,
    *,
    series: Series | None = None,
    pareto_objectives: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> Comparison:
    """Summarise every strategy, find the Pareto front and the best under ``objective``.

    ``pareto_objectives`` defaults to the objective's outcomes; the front uses the objective's
    statistic (mean or median) of each.
    """
    names = objective.outcomes()
    if not names:
        raise EngineInputError("compare.no_objective", "The objective names no outcome.")
    if objective.kind == "weighted" and any(
        not math.isfinite(w) or w < 0 for w in objective.weights.values()
    ):
        raise EngineInputError(
            "compare.weights", "Objective weights must be finite and not negative."
        )
    if objective.tolerance < 0:
        raise EngineInputError("compare.tolerance", "The tolerance must not be negative.")
    front_names = tuple(pareto_objectives) if pareto_objectives is not None else names
    _check(outcomes, list(dict.fromkeys([*names, *front_names])))
    strategies = list(outcomes)
    summaries: dict[str, StrategySummary] = {}
    for s in strategies:
        bands = {name: summarise(v, confidence) for name, v in outcomes[s].items()}
        daily = {name: summarise_series(v) for name, v in (series or {}).get(s, {}).items()}
        summaries[s] = StrategySummary(strategy=s, outcomes=bands, series=daily)
    points = np.array(
        [
            [_stat(summaries[s].outcomes[n], objective.statistic) for n in front_names]
            for s in strategies
        ]
    )
    mask = pareto_mask(points)
    front = tuple(s for s, on in zip(strategies, mask, strict=True) if on)
    ranking, scores = _rank(strategies, summaries, objective)
    best = ranking[0]
    wins = _win_share(outcomes, strategies, objective)
    detail = ", ".join(
        f"{n} {_stat(summaries[best].outcomes[n], objective.statistic):.4g}" for n in names
    )
    explanation = (
        f"Best strategy: {best} ({detail}), chosen as the {objective.describe()}. "
        f"Pareto front over {', '.join(front_names)}: {', '.join(front)}."
    )
    if wins is not None:
        explanation += f" It scores lowest in {wins[best]:.0%} of the paired replicates."
    return Comparison(
        summaries=summaries,
        pareto_objectives=front_names,
        pareto_front=front,
        objective=objective,
        ranking=tuple(ranking),
        scores=scores,
        best=best,
        explanation=explanation,
        win_share=wins,
    )
