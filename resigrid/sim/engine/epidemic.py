"""Stochastic agent-based SEIR on household / building / grid / community / random layers.

Natural history: S → E (latent) → I (infectious) → R, or → H (hospital) → R or D. Durations are
sampled at each transition from the discretised lognormals of `EpidemicParams`; whether an
infectious person goes to hospital (and whether a patient dies) depends on the age band.
Patients in hospital do not transmit.

Transmission is O(N) a day with no loop over contacts. The infectious weight of each group
(household, building, grid, community, the whole city) is one ``np.bincount`` over the
infectious people; a susceptible's daily hazard is the sum over its layers of
β × weight × (infectious in the group) / (group size − 1). Instead of drawing a Bernoulli with
p = 1 − exp(−hazard) every day, each person draws once a threshold T ~ Exp(1) and is infected
on the first day the cumulative hazard reaches T — the same distribution (the exponential is
memoryless), one comparison a day instead of an exp and a random number, and the same
thresholds across strategies for one seed (common random numbers, so strategies differ by
their effect, not by luck). A vaccinated person's remaining threshold is divided by their
relative susceptibility.

Households sit in buildings, buildings in grids and grids in communities, so every layer's
pressure folds into one value per household, and all members of a household share one
cumulative hazard. The engine keeps, per household, that hazard and the smallest threshold of
its susceptible members: a day costs O(households), and only the households whose hazard
passed their smallest threshold are opened to find who is infected.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from resigrid.sim.engine.epidemic_result import COMPARTMENTS, EpidemicResult
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
from resigrid.sim.engine.params import EpidemicParams
from resigrid.sim.engine.population import Population

__all__ = ["COMPARTMENTS", "EpidemicModel", "EpidemicResult", "run_epidemic"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

# Internal states; HD is "in hospital, will die" (reported as H).
S, E, I, R, H, HD, D = range(7)  # noqa: E741 - the epidemiologists' letters


class _Layout:
    """The population sorted by grid, building, household (each group a contiguous run)."""

    def __init__(self, population: Population) -> None:
        order = np.lexsort((population.household, population.building, population.grid))
        hh_raw = population.household[order]
        bld_raw = population.building[order]
        n = int(order.size)
        self.n = n
        self.grid = population.grid[order].astype(np.intp)
        self.n_grids = population.n_grids
        self.hh = _runs(hh_raw)
        self.bld = _runs(bld_raw)
        self.hh_size = np.bincount(self.hh).astype(np.int64)
        self.hh_start = np.concatenate(([0], np.cumsum(self.hh_size)[:-1])).astype(np.int64)
        self.bld_size = np.bincount(self.bld).astype(np.int64)
        self.hh_bld = self.bld[self.hh_start]
        self.hh_rate = 1.0 / np.maximum(self.hh_size - 1, 1)  # frequency-dependent mixing
        starts = np.concatenate(([0], np.cumsum(self.bld_size)[:-1]))
        self.bld_grid = self.grid[starts]
        self.grid_size = np.bincount(self.grid, minlength=self.n_grids).astype(np.int64)
        comm = population.community[order]
        self.grid_comm = np.zeros(self.n_grids, dtype=np.intp)
        self.grid_comm[self.grid] = comm
        self.comm_size = np.bincount(comm).astype(np.int64)
        self.age = population.age[order]
        self.vulnerable = population.vulnerable[order]
        self.grid_keys = population.grid_keys


def _runs(sorted_codes: npt.NDArray[np.int32]) -> npt.NDArray[np.intp]:
    """0, 0, 1, 1, 1, 2 … for each run of equal values."""
    change = np.empty(sorted_codes.size, dtype=np.intp)
    change[0] = 0
    np.not_equal(sorted_codes[1:], sorted_codes[:-1], out=change[1:], casting="unsafe")
    out: npt.NDArray[np.intp] = np.cumsum(change)
    return out


class _Sampler:
    """Inverse-CDF sampling of a discretised duration."""

    def __init__(self, pmf: FloatArray) -> None:
        self.cdf = np.cumsum(pmf)
        self.cdf /= self.cdf[-1]

    def draw(self, rng: np.random.Generator, k: int) -> IntArray:
        days: IntArray = np.searchsorted(self.cdf, rng.random(k), side="right").astype(np.int64)
        return np.maximum(days, 1)


class EpidemicModel:
    """A population and parameters, checked and laid out once; `run` many times."""

    def __init__(self, population: Population, params: EpidemicParams | None = None) -> None:
        self.params = params or EpidemicParams()
        self.params.validate()
        if population.size == 0:
            raise EngineInputError(
                "population_empty", "The area has no residents to simulate.", field="population"
            )
        if self.params.initial_infected > population.size:
            raise EngineInputError(
                "initial_infected_range",
                f"initial_infected ({self.params.initial_infected}) exceeds the population "
                f"({population.size}).",
                field="initial_infected",
            )
        self.layout = _Layout(population)
        p = self.params
        band = np.searchsorted(np.asarray(p.age_cutoffs), self.layout.age, side="right") - 1
        self.band = band.astype(np.intp)
        hosp = np.asarray(p.hospitalisation_probs, dtype=np.float64)
        death = np.asarray(p.death_probs, dtype=np.float64)
        self.p_hosp = hosp
        self.p_die_in_hospital = np.divide(death, hosp, out=np.zeros_like(death), where=hosp > 0)
        sus = (
            np.ones(len(p.age_cutoffs))
            if p.relative_susceptibility is None
            else np.asarray(p.relative_susceptibility, dtype=np.float64)
        )
        self.susceptibility = sus
        self.beta = p.beta()
        self.weights = p.weights()
        self.capacity = p.capacity_for(population.size)
        self.latent = _Sampler(p.latent.pmf())
        self.infectious_days = _Sampler(p.infectious.pmf())
        self.to_recovery = _Sampler(p.hospital_to_recovery.pmf())
        self.to_death = _Sampler(p.hospital_to_death.pmf())

    def run(
        self,
        interventions: Strategy | Sequence[Intervention] = (),
        seed: int | np.random.SeedSequence = 0,
        *,
        keep_grid_series: bool = False,
    ) -> EpidemicResult:
        strategy = (
            interventions
            if isinstance(interventions, Strategy)
            else Strategy("run", tuple(interventions))
        )
        strategy.validate()
        return _Run(self, strategy, seed, keep_grid_series).execute()


def run_epidemic(
    population: Population,
    params: EpidemicParams | None = None,
    interventions: Strategy | Sequence[Intervention] = (),
    seed: int | np.random.SeedSequence = 0,
    *,
    keep_grid_series: bool = False,
) -> EpidemicResult:
    """One run; deterministic for a seed."""
    model = EpidemicModel(population, params)
    return model.run(interventions, seed, keep_grid_series=keep_grid_series)


class _Run:
    def __init__(
        self,
        model: EpidemicModel,
        strategy: Strategy,
        seed: int | np.random.SeedSequence,
        keep_grid_series: bool,
    ) -> None:
        self.m = model
        lay = model.layout
        self.days = model.params.days
        # A fresh copy: spawn() counts its children, and a run must not depend on earlier runs.
        given = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        sequence = np.random.SeedSequence(given.entropy, spawn_key=given.spawn_key)
        streams = [np.random.default_rng(s) for s in sequence.spawn(4)]
        self.rng_threshold, self.rng_seed, self.rng_history, self.rng_test = streams
        n, g = lay.n, lay.n_grids
        self.state = np.zeros(n, dtype=np.int8)
        with np.errstate(divide="ignore"):
            self.threshold = (
                self.rng_threshold.exponential(size=n) / model.susceptibility[model.band]
            )
        self.hh_hazard = np.zeros(lay.hh_size.size, dtype=np.float64)
        self.hh_min = np.minimum.reduceat(self.threshold, lay.hh_start)
        self.infectious: IntArray = np.zeros(0, dtype=np.int64)
        self.entered: list[IntArray] = []
        self.detected_flag = np.zeros(n, dtype=np.bool_)
        self.vaccinated = np.zeros(n, dtype=np.bool_)
        self.counts = np.zeros((7, g), dtype=np.int64)
        self.counts[S] = lay.grid_size
        self.buckets: dict[int, list[IntArray]] = {}
        self.testing = strategy.get(Testing)
        self.isolation = strategy.get(Isolation)
        self.lockdown = strategy.get(GridLockdown)
        self.reduced = strategy.get(ReducedContacts)
        self.vaccination = strategy.get(Vaccination)
        window = self.lockdown.window_days if isinstance(self.lockdown, GridLockdown) else 1
        self.detect_window = np.zeros((window, g), dtype=np.int64)
        self.lock_until = np.zeros(g, dtype=np.int64)
        self.locked = np.zeros(g, dtype=np.bool_)
        self.locked_days = np.zeros(g, dtype=np.int64)
        self.grid_detected = np.zeros(g, dtype=np.int64)
        self.today_detected = np.zeros(g, dtype=np.int64)
        self.peak_hospital = np.zeros(g, dtype=np.int64)
        self.doses = 0
        self.vaccine_queue: IntArray = np.zeros(0, dtype=np.int64)
        self.vaccine_next = 0
        if isinstance(self.vaccination, Vaccination):
            age_key = -lay.age.astype(np.int64)
            keys = (age_key, ~lay.vulnerable) if self.vaccination.vulnerable_first else (age_key,)
            self.vaccine_queue = np.lexsort(keys).astype(np.int64)
        rows = self.days + 1
        self.totals = np.zeros((rows, 6), dtype=np.int64)
        self.detected_total = np.zeros(rows, dtype=np.int64)
        self.locked_people = np.zeros(rows, dtype=np.int64)
        self.grid_series = np.zeros((rows, 6, g), dtype=np.int32) if keep_grid_series else None
        self.grid_detected_series = (
            np.zeros((rows, g), dtype=np.int32) if keep_grid_series else None
        )
        self.grid_locked_series = np.zeros((rows, g), dtype=np.bool_) if keep_grid_series else None
        self.vulnerable_deaths = 0

    # Bookkeeping -------------------------------------------------------------------------

    def _move(self, idx: IntArray, source: int, target: int) -> None:
        if idx.size:
            self.state[idx] = target
            moved = np.bincount(self.m.layout.grid[idx], minlength=self.m.layout.n_grids)
            self.counts[source] -= moved
            self.counts[target] += moved

    def _schedule(self, idx: IntArray, when: IntArray) -> None:
        keep = when <= self.days
        idx, when = idx[keep], when[keep]
        if not idx.size:
            return
        order = np.argsort(when, kind="stable")
        idx, when = idx[order], when[order]
        days, starts = np.unique(when, return_index=True)
        for day, part in zip(days.tolist(), np.split(idx, starts[1:]), strict=True):
            self.buckets.setdefault(day, []).append(part)

    def _members(self, households: IntArray) -> tuple[IntArray, IntArray, IntArray]:
        """Everyone in these households (contiguous runs), the run sizes and starts."""
        lay = self.m.layout
        sizes = lay.hh_size[households]
        starts = np.cumsum(sizes) - sizes
        members = np.repeat(lay.hh_start[households] - starts, sizes) + np.arange(int(sizes.sum()))
        return members, sizes, starts

    def _refresh_min(self, people: IntArray) -> None:
        """Recompute the smallest threshold of the households of these people."""
        households = np.unique(self.m.layout.hh[people])
        members, _, starts = self._members(households)
        self.hh_min[households] = np.minimum.reduceat(self.threshold[members], starts)

    def _detect(self, idx: IntArray) -> None:
        fresh = idx[~self.detected_flag[idx]]
        if fresh.size:
            self.detected_flag[fresh] = True
            self.today_detected += np.bincount(
                self.m.layout.grid[fresh], minlength=self.m.layout.n_grids
            )

    # The day ------------------------------------------------------------------------------

    def execute(self) -> EpidemicResult:
        m, lay = self.m, self.m.layout
        seeds = self.rng_seed.choice(lay.n, size=m.params.initial_infected, replace=False)
        seeds = np.sort(seeds).astype(np.int64)
        self.threshold[seeds] = np.inf
        self._refresh_min(seeds)
        self._move(seeds, S, I)
        self.entered.append(seeds)
        self._schedule(seeds, m.infectious_days.draw(self.rng_history, seeds.size))
        for day in range(self.days + 1):
            self.today_detected[:] = 0
            self._transitions(day)
            self._interventions(day)
            self._transmit(day)
            self._record(day)  # a day with no case left costs O(grids): no early exit needed
        return self._result()

    def _transitions(self, day: int) -> None:
        parts = self.buckets.pop(day, None)
        if not parts:
            return
        m = self.m
        due = np.concatenate(parts)
        state = self.state[due]
        self._move(due[state == H], H, R)
        dying = due[state == HD]
        self.vulnerable_deaths += int(m.layout.vulnerable[dying].sum())
        self._move(dying, HD, D)
        exposed = due[state == E]
        self._move(exposed, E, I)
        self.entered.append(exposed)
        self._schedule(exposed, day + m.infectious_days.draw(self.rng_history, exposed.size))
        ending = due[state == I]
        if not ending.size:
            return
        p_hosp = m.p_hosp[m.band[ending]]
        vaccine = self.vaccination
        if isinstance(vaccine, Vaccination):
            p_hosp = np.where(
                self.vaccinated[ending], p_hosp * (1 - vaccine.efficacy_severe), p_hosp
            )
        admitted = self.rng_history.random(ending.size) < p_hosp
        self._move(ending[~admitted], I, R)
        patients = ending[admitted]
        if not patients.size:
            return
        occupied = int(self.counts[H].sum() + self.counts[HD].sum())
        no_bed = occupied + np.arange(patients.size) >= m.capacity
        p_die = m.p_die_in_hospital[m.band[patients]]
        p_die = np.minimum(np.where(no_bed, p_die * m.params.no_bed_death_factor, p_die), 1.0)
        dies = self.rng_history.random(patients.size) < p_die
        self._move(patients[dies], I, HD)
        self._move(patients[~dies], I, H)
        self._schedule(patients[dies], day + m.to_death.draw(self.rng_history, int(dies.sum())))
        self._schedule(
            patients[~dies], day + m.to_recovery.draw(self.rng_history, int((~dies).sum()))
        )
        self._detect(patients)

    def _interventions(self, day: int) -> None:
        still = self.infectious[self.state[self.infectious] == I]
        self.infectious = np.concatenate([still, *self.entered])
        self.entered = []
        testing = self.testing
        if isinstance(testing, Testing) and day >= testing.start_day and self.infectious.size:
            hits = self.rng_test.random(self.infectious.size) < testing.daily_probability
            self._detect(self.infectious[hits])
        self.grid_detected += self.today_detected
        lockdown = self.lockdown
        if isinstance(lockdown, GridLockdown):
            self.detect_window[day % lockdown.window_days] = self.today_detected
            self.locked = self.lock_until > day
            if day >= lockdown.start_day:
                recent = self.detect_window.sum(axis=0)
                trigger = ~self.locked & (recent >= lockdown.threshold)
                self.lock_until[trigger] = day + lockdown.duration_days
                self.locked |= trigger
            self.locked_days += self.locked
        vaccine = self.vaccination
        if isinstance(vaccine, Vaccination) and day >= vaccine.start_day and vaccine.daily_doses:
            self._vaccinate(vaccine)

    def _vaccinate(self, vaccine: Vaccination) -> None:
        queue, given = self.vaccine_queue, []
        wanted = vaccine.daily_doses
        while wanted and self.vaccine_next < queue.size:
            chunk = queue[self.vaccine_next : self.vaccine_next + 2 * wanted]
            eligible = np.flatnonzero(self.state[chunk] <= R)[:wanted]  # not in hospital or dead
            given.append(chunk[eligible])
            self.vaccine_next += int(eligible[-1]) + 1 if eligible.size == wanted else chunk.size
            wanted -= eligible.size
        if not given:
            return
        dosed = np.concatenate(given)
        self.vaccinated[dosed] = True
        self.doses += int(dosed.size)
        susceptible = dosed[self.state[dosed] == S]
        keep = 1.0 - vaccine.efficacy_infection
        lam = self.hh_hazard[self.m.layout.hh[susceptible]]
        thr = self.threshold[susceptible]
        self.threshold[susceptible] = lam + (thr - lam) / keep if keep > 0 else np.inf
        if susceptible.size:
            self._refresh_min(susceptible)

    def _transmit(self, day: int) -> None:
        m, lay = self.m, self.m.layout
        infectious = self.infectious
        if not infectious.size:
            return
        w_hh, w_bld, w_grid, w_comm, w_rand = (float(x) for x in m.weights)
        reduced = self.reduced
        if (
            isinstance(reduced, ReducedContacts)
            and day >= reduced.start_day
            and (reduced.end_day is None or day < reduced.end_day)
        ):
            w_comm *= reduced.factor
            w_rand *= reduced.factor
        home = np.ones(infectious.size)
        away = np.ones(infectious.size)
        isolation = self.isolation
        if isinstance(isolation, Isolation) and day >= isolation.start_day:
            isolated = self.detected_flag[infectious]
            home[isolated] = isolation.household_factor
            away[isolated] = 0.0
        grid_of = lay.grid[infectious]
        if self.locked.any():
            away[self.locked[grid_of]] = 0.0
        beta = m.beta
        daily: FloatArray | float = 0.0
        if away.any() and w_bld + w_grid + w_comm + w_rand > 0:
            open_grid = ~self.locked
            per_grid = np.zeros(lay.n_grids)
            if w_grid > 0:
                on_grid = np.bincount(grid_of, away, minlength=lay.n_grids)
                per_grid += w_grid * on_grid / np.maximum(lay.grid_size - 1, 1)
            if w_comm > 0:
                on_comm = np.bincount(lay.grid_comm[grid_of], away, minlength=lay.comm_size.size)
                per_comm = w_comm * on_comm / np.maximum(lay.comm_size - 1, 1)
                per_grid += per_comm[lay.grid_comm]
            per_grid += w_rand * float(away.sum()) / max(lay.n - 1, 1)
            per_grid *= open_grid
            per_building = per_grid[lay.bld_grid]
            if w_bld > 0:
                on_bld = np.bincount(lay.bld[infectious], away, minlength=lay.bld_size.size)
                per_building += (
                    w_bld * on_bld / np.maximum(lay.bld_size - 1, 1) * open_grid[lay.bld_grid]
                )
            per_building *= beta
            uniform = per_building.size == 1 or per_building.min() == per_building.max()
            daily = float(per_building[0]) if uniform else per_building[lay.hh_bld]
        self.hh_hazard += daily
        if w_hh > 0 and home.any():
            households = lay.hh[infectious]
            np.add.at(self.hh_hazard, households, home * lay.hh_rate[households] * (beta * w_hh))
        hit = np.flatnonzero(self.hh_hazard >= self.hh_min)
        if not hit.size:
            return
        members, sizes, starts = self._members(hit)
        thresholds = self.threshold[members]
        caught = thresholds <= np.repeat(self.hh_hazard[hit], sizes)
        infected = members[caught]
        thresholds[caught] = np.inf
        self.hh_min[hit] = np.minimum.reduceat(thresholds, starts)
        self.threshold[infected] = np.inf
        self._move(infected, S, E)
        self._schedule(infected, day + m.latent.draw(self.rng_history, infected.size))

    def _record(self, day: int) -> None:
        c = self.counts
        hospital = c[H] + c[HD]
        self.peak_hospital = np.maximum(self.peak_hospital, hospital)
        by_grid = np.stack((c[S], c[E], c[I], c[R], hospital, c[D]))
        self.totals[day] = by_grid.sum(axis=1)
        self.detected_total[day] = self.grid_detected.sum()
        self.locked_people[day] = int(self.m.layout.grid_size[self.locked].sum())
        if self.grid_series is not None:
            self.grid_series[day] = by_grid
        if self.grid_detected_series is not None:
            self.grid_detected_series[day] = self.grid_detected
        if self.grid_locked_series is not None:
            self.grid_locked_series[day] = self.locked

    def _result(self) -> EpidemicResult:
        lay = self.m.layout
        return EpidemicResult(
            days=self.days,
            population=lay.n,
            hospital_capacity=self.m.capacity,
            totals=self.totals,
            detected=self.detected_total,
            locked_people=self.locked_people,
            grid_keys=lay.grid_keys,
            grid_population=lay.grid_size,
            grid_infected=lay.grid_size - self.counts[S],
            grid_deaths=self.counts[D].copy(),
            grid_peak_hospital=self.peak_hospital,
            grid_locked_days=self.locked_days,
            grid_detected=self.grid_detected,
            doses=self.doses,
            vulnerable_deaths=self.vulnerable_deaths,
            grid_series=self.grid_series,
            grid_detected_series=self.grid_detected_series,
            grid_locked_series=self.grid_locked_series,
        )
