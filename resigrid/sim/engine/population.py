"""The population the epidemic runs on: plain arrays, one entry per person.

The platform builds a `Population` from the registry snapshot (people, households, buildings,
grids, communities, vulnerability tags) with `Population.from_arrays`, which accepts any integer
ids (database keys) and checks that households sit in one building, buildings in one grid and
grids in one community. `synthetic_population` makes a realistic one for tests and benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from resigrid.sim.engine.errors import EngineInputError, name_list

IntArray = npt.NDArray[np.int32]
Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MAX_AGE: Final = 120
# Need kinds of vulnerable people (0 = none), shared with the supplies engine by value.
NEED_NONE: Final = 0
NEED_MEDICINE: Final = 1  # chronic patient on daily medicines
NEED_MOBILITY: Final = 2  # needs help to move (evacuation helpers)
NEED_OXYGEN: Final = 3  # home oxygen

# China, 7th census (2020), household size shares for sizes 1..6+, rounded; mean ≈ 2.6.
HOUSEHOLD_SIZE_SHARES: Final = (0.25, 0.30, 0.21, 0.13, 0.07, 0.04)
# Share of people per five-year age band 0–4 … 95–99; an urban pyramid with ≈ 21 % aged 60+.
AGE_BAND_SHARES: Final = (
    4.6, 5.3, 5.4, 4.9, 5.3, 6.8, 8.5, 8.9, 7.8, 7.6, 8.2, 8.4, 5.3, 4.8, 3.7, 2.4, 1.4, 0.7,
    0.25, 0.05,
)  # fmt: skip


@dataclass(frozen=True)
class Population:
    """Per-person arrays (equal length n) with dense ids 0..k-1.

    ``grid_keys[g]`` is the caller's id of dense grid ``g`` (so results map back to the
    registry); ``need`` holds a ``NEED_*`` kind per person.
    """

    age: npt.NDArray[np.int16]
    household: IntArray
    building: IntArray
    grid: IntArray
    community: IntArray
    vulnerable: BoolArray
    need: npt.NDArray[np.int8]
    grid_keys: Int64Array

    @property
    def size(self) -> int:
        return int(self.age.size)

    @property
    def n_grids(self) -> int:
        return int(self.grid_keys.size)

    def grid_population(self) -> Int64Array:
        counts: Int64Array = np.bincount(self.grid, minlength=self.n_grids).astype(np.int64)
        return counts

    def nbytes(self) -> int:
        return sum(
            int(getattr(self, name).nbytes)
            for name in ("age", "household", "building", "grid", "community", "vulnerable", "need")
        )

    @classmethod
    def from_arrays(
        cls,
        *,
        age: npt.ArrayLike,
        household: npt.ArrayLike,
        building: npt.ArrayLike,
        grid: npt.ArrayLike,
        community: npt.ArrayLike,
        vulnerable: npt.ArrayLike | None = None,
        need: npt.ArrayLike | None = None,
    ) -> Population:
        """Check and re-code the arrays; raise `EngineInputError` naming the problem."""
        ages = np.asarray(age)
        n = int(ages.size)
        if n == 0:
            raise EngineInputError(
                "population_empty", "The area has no residents to simulate.", field="population"
            )
        if ages.ndim != 1 or not np.issubdtype(ages.dtype, np.integer):
            raise EngineInputError(
                "population_age", "Ages must be whole numbers, one per person.", field="age"
            )
        if ages.min() < 0 or ages.max() > MAX_AGE:
            raise EngineInputError(
                "population_age",
                f"Ages must be between 0 and {MAX_AGE}.",
                field="age",
            )
        ids = {}
        for name, values in (
            ("household", household),
            ("building", building),
            ("grid", grid),
            ("community", community),
        ):
            array = np.asarray(values)
            if array.shape != (n,) or not np.issubdtype(array.dtype, np.integer):
                raise EngineInputError(
                    "population_ids",
                    f"{name}: give one whole-number id per person ({n}).",
                    field=name,
                )
            ids[name] = array
        flags = np.zeros(n, dtype=np.bool_) if vulnerable is None else np.asarray(vulnerable, bool)
        kinds = np.zeros(n, dtype=np.int8) if need is None else np.asarray(need)
        if flags.shape != (n,) or kinds.shape != (n,):
            raise EngineInputError(
                "population_flags",
                f"vulnerable and need: give one value per person ({n}).",
                field="vulnerable",
            )
        if kinds.min() < NEED_NONE or kinds.max() > NEED_OXYGEN:
            raise EngineInputError("population_need", "need: unknown need kind.", field="need")
        grid_keys, grid_codes = np.unique(ids["grid"], return_inverse=True)
        codes = {
            name: np.unique(ids[name], return_inverse=True)[1].astype(np.int32)
            for name in ("household", "building", "community")
        }
        codes["grid"] = grid_codes.astype(np.int32)
        for inner, outer in (
            ("household", "building"),
            ("building", "grid"),
            ("grid", "community"),
        ):
            _check_nested(inner, codes[inner], outer, codes[outer], ids[inner])
        return cls(
            age=ages.astype(np.int16),
            household=codes["household"],
            building=codes["building"],
            grid=codes["grid"],
            community=codes["community"],
            vulnerable=flags.astype(np.bool_),
            need=kinds.astype(np.int8),
            grid_keys=grid_keys.astype(np.int64),
        )


def _check_nested(
    inner: str,
    inner_codes: IntArray,
    outer: str,
    outer_codes: IntArray,
    inner_ids: npt.NDArray[np.integer],
) -> None:
    """Every `inner` group (household…) must sit in exactly one `outer` group (building…)."""
    parent = np.full(int(inner_codes.max()) + 1, -1, dtype=np.int64)
    parent[inner_codes] = outer_codes  # the last writer wins; any other value is a conflict
    bad = parent[inner_codes] != outer_codes
    if bad.any():
        offenders = [str(v) for v in np.unique(inner_ids[bad])[:10]]
        raise EngineInputError(
            "population_nesting",
            f"Each {inner} must belong to one {outer}; these span several: {name_list(offenders)}.",
            field=inner,
            ids=", ".join(offenders),
        )


def synthetic_population(
    n: int,
    seed: int = 0,
    *,
    households_per_building: int = 50,
    households_per_grid: int = 400,
    grids_per_community: int = 10,
) -> Population:
    """A city-like population of ``n`` people (deterministic for a seed).

    Household sizes 1–6 (2020 census shares), the head of each household an adult, an urban
    age pyramid (≈ 21 % aged 60+), ~50 households per building, ~400 per grid, 10 grids per
    community; vulnerable people mostly among the old, each with a need kind.
    """
    if not isinstance(n, int) or n < 1:
        raise EngineInputError(
            "population_empty", "The population must have at least one person.", field="n"
        )
    for name, value in (
        ("households_per_building", households_per_building),
        ("households_per_grid", households_per_grid),
        ("grids_per_community", grids_per_community),
    ):
        if value < 1:
            raise EngineInputError(
                "integer_range", f"{name} must be at least 1.", field=name, value=str(value)
            )
    rng = np.random.default_rng(seed)
    shares = np.asarray(HOUSEHOLD_SIZE_SHARES) / sum(HOUSEHOLD_SIZE_SHARES)
    sizes = rng.choice(np.arange(1, 7), size=n, p=shares)  # n households always suffice
    count = int(np.searchsorted(np.cumsum(sizes), n)) + 1
    sizes = sizes[:count]
    sizes[-1] -= int(sizes.sum()) - n  # the last household takes what is left
    household = np.repeat(np.arange(count, dtype=np.int32), sizes)
    # Buildings: runs of households; grids: runs of buildings; communities: runs of grids.
    buildings_per_grid = max(1, round(households_per_grid / households_per_building))
    hh_building = np.arange(count, dtype=np.int32) // households_per_building
    building = hh_building[household]
    grid = (building // buildings_per_grid).astype(np.int32)
    community = (grid // grids_per_community).astype(np.int32)

    band_p = np.asarray(AGE_BAND_SHARES) / sum(AGE_BAND_SHARES)
    band = rng.choice(band_p.size, size=n, p=band_p)
    age = (band * 5 + rng.integers(0, 5, size=n)).astype(np.int16)
    # Heads of household are adults: redraw the first member of each household from 20+.
    heads = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    adult_p = band_p[4:] / band_p[4:].sum()
    age[heads] = ((rng.choice(adult_p.size, size=count, p=adult_p) + 4) * 5
                  + rng.integers(0, 5, size=count)).astype(np.int16)  # fmt: skip
    chance = np.where(age >= 80, 0.6, np.where(age >= 60, 0.12, 0.015))
    vulnerable = rng.random(n) < chance
    need = np.zeros(n, dtype=np.int8)
    need[vulnerable] = rng.choice(
        np.array([NEED_MEDICINE, NEED_MOBILITY, NEED_OXYGEN], dtype=np.int8),
        size=int(vulnerable.sum()),
        p=[0.6, 0.3, 0.1],
    )
    n_grids = int(grid.max()) + 1
    return Population(
        age=age,
        household=household,
        building=building.astype(np.int32),
        grid=grid,
        community=community,
        vulnerable=vulnerable,
        need=need,
        grid_keys=np.arange(n_grids, dtype=np.int64),
    )
