"""Ensembles: N replicates of each strategy, in parallel processes, deterministic for a seed.

Replicate r of every strategy uses the same child seed (``SeedSequence(seed).spawn(N)[r]``), so
strategies are compared on common random numbers, and the results do not depend on the number
of processes or the order in which workers finish. Memory is estimated before anything runs;
an ensemble that would not fit is refused with `EngineInputError` (code ``ensemble_memory``).

`EnsembleResult.outcomes()` and `.series()` have the shapes `compare.compare` takes:
strategy → outcome → values over replicates, strategy → series → ``[replicates, days + 1]``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from resigrid.sim.engine.epidemic import COMPARTMENTS, EpidemicModel, EpidemicResult
from resigrid.sim.engine.errors import EngineInputError
from resigrid.sim.engine.interventions import Strategy, validate_strategies
from resigrid.sim.engine.params import EpidemicParams
from resigrid.sim.engine.population import Population

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MAX_REPLICATES = 10_000
# Working memory of one run per person: the population and its sorted copy (~40 B), thresholds,
# states and flags (~12 B), per-household hazards (~8 B), day temporaries; measured ≈ 110 B at
# 1,000,000 people (bench_sim_epidemic.py), rounded up.
BYTES_PER_PERSON = 160
BYTES_PER_WORKER = 120 * 2**20  # interpreter, NumPy, SciPy
GRID_OUTCOMES = ("infected", "deaths", "peak_hospital", "locked_days", "detected")
Packed = tuple[dict[str, float], IntArray, dict[str, IntArray]]  # what a worker sends back


@dataclass(frozen=True)
class StrategyRuns:
    """One strategy's replicates (row r = replicate r)."""

    name: str
    outcomes: dict[str, FloatArray]  # outcome → [replicates]
    totals: IntArray  # [replicates, days + 1, 6]
    grid: dict[str, IntArray]  # GRID_OUTCOMES → [replicates, G]


@dataclass(frozen=True)
class EnsembleResult:
    seed: int
    replicates: int
    days: int
    population: int
    hospital_capacity: int
    grid_keys: IntArray
    grid_population: IntArray
    strategies: tuple[StrategyRuns, ...]

    def outcomes(self) -> dict[str, dict[str, FloatArray]]:
        return {s.name: dict(s.outcomes) for s in self.strategies}

    def series(self) -> dict[str, dict[str, FloatArray]]:
        out: dict[str, dict[str, FloatArray]] = {}
        for runs in self.strategies:
            out[runs.name] = {
                name: runs.totals[:, :, i].astype(np.float64) for i, name in enumerate(COMPARTMENTS)
            }
        return out

    def grid_means(self, strategy: str) -> dict[str, FloatArray]:
        """Per grid, the mean over replicates of each grid outcome (for risk points and maps)."""
        runs = next(s for s in self.strategies if s.name == strategy)
        return {name: values.mean(axis=0) for name, values in runs.grid.items()}


def estimate_bytes(population: int, days: int, grids: int, replicates: int, strategies: int,
                   processes: int) -> int:  # fmt: skip
    """Peak memory of an ensemble: runs in flight plus every replicate's kept results."""
    in_flight = processes * (population * BYTES_PER_PERSON + BYTES_PER_WORKER)
    kept_per_run = (days + 1) * 6 * 8 + len(GRID_OUTCOMES) * grids * 8 + 256
    return in_flight + strategies * replicates * kept_per_run * 2  # × 2: worker copy and ours


def available_bytes() -> int:
    """MemAvailable from /proc/meminfo, or physical memory where that is missing."""
    try:
        with Path("/proc/meminfo").open(encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


# Worker side: the model is built once per process (the population crosses once).
_MODEL: EpidemicModel | None = None


def _init_worker(population: Population, params: EpidemicParams) -> None:
    global _MODEL
    _MODEL = EpidemicModel(population, params)


def _run_one(strategy: Strategy, seed: np.random.SeedSequence) -> Packed:  # fmt: skip
    if _MODEL is None:  # pragma: no cover - the pool initialiser always runs first
        raise RuntimeError("worker not initialised")
    return _pack(_MODEL.run(strategy, seed))


def _pack(result: EpidemicResult) -> Packed:
    grid = {
        "infected": result.grid_infected,
        "deaths": result.grid_deaths,
        "peak_hospital": result.grid_peak_hospital,
        "locked_days": result.grid_locked_days,
        "detected": result.grid_detected,
    }
    return result.outcomes(), result.totals, grid


def run_ensemble(
    population: Population,
    strategies: Sequence[Strategy],
    *,
    params: EpidemicParams | None = None,
    replicates: int = 20,
    seed: int = 0,
    processes: int = 1,
    memory_limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EnsembleResult:
    """Run every strategy ``replicates`` times; ``progress(done, total)`` after each run."""
    params = params or EpidemicParams()
    params.validate()
    validate_strategies(strategies)
    if (
        isinstance(replicates, bool)
        or not isinstance(replicates, int)
        or not 1 <= replicates <= MAX_REPLICATES
    ):
        raise EngineInputError(
            "integer_range",
            f"replicates must be a whole number between 1 and {MAX_REPLICATES}, "
            f"got {replicates!r}.",
            field="replicates",
            value=str(replicates),
        )
    cpus = os.cpu_count() or 1
    if (
        isinstance(processes, bool)
        or not isinstance(processes, int)
        or not 1 <= processes <= 4 * cpus
    ):
        raise EngineInputError(
            "integer_range",
            f"processes must be a whole number between 1 and {4 * cpus}, got {processes!r}.",
            field="processes",
            value=str(processes),
        )
    processes = min(processes, replicates * len(strategies))
    limit = int(0.8 * available_bytes()) if memory_limit is None else memory_limit
    needed = estimate_bytes(
        population.size, params.days, population.n_grids, replicates, len(strategies), processes
    )
    if needed > limit:
        raise EngineInputError(
            "ensemble_memory",
            f"This ensemble needs about {needed / 2**20:,.0f} MB and the limit is "
            f"{limit / 2**20:,.0f} MB: use fewer replicates, strategies or processes, "
            "or a smaller area.",
            field="replicates",
            needed_mb=round(needed / 2**20),
            limit_mb=round(limit / 2**20),
        )
    model = EpidemicModel(population, params)  # validates the population against the params
    seeds = np.random.SeedSequence(seed).spawn(replicates)
    tasks = [(s, r) for s in range(len(strategies)) for r in range(replicates)]
    packed: dict[tuple[int, int], Packed] = {}
    total = len(tasks)
    if processes == 1:
        for done, (s, r) in enumerate(tasks, start=1):
            packed[(s, r)] = _pack(model.run(strategies[s], seeds[r]))
            if progress:
                progress(done, total)
    else:
        # fork shares the parent's pages; spawn elsewhere (the model is rebuilt per worker).
        context: Any = get_context("fork" if "fork" in get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(
            max_workers=processes,
            mp_context=context,
            initializer=_init_worker,
            initargs=(population, params),
        ) as pool:
            futures: dict[Future[Packed], tuple[int, int]] = {
                pool.submit(_run_one, strategies[s], seeds[r]): (s, r) for s, r in tasks
            }
            for done, future in enumerate(as_completed(futures), start=1):
                packed[futures[future]] = future.result()
                if progress:
                    progress(done, total)
    runs = []
    for s, strategy in enumerate(strategies):
        rows = [packed[(s, r)] for r in range(replicates)]
        names = list(rows[0][0])
        runs.append(
            StrategyRuns(
                name=strategy.name,
                outcomes={n: np.array([row[0][n] for row in rows]) for n in names},
                totals=np.stack([row[1] for row in rows]),
                grid={g: np.stack([row[2][g] for row in rows]) for g in GRID_OUTCOMES},
            )
        )
    lay = model.layout
    return EnsembleResult(
        seed=seed,
        replicates=replicates,
        days=params.days,
        population=population.size,
        hospital_capacity=model.capacity,
        grid_keys=lay.grid_keys,
        grid_population=lay.grid_size,
        strategies=tuple(runs),
    )
