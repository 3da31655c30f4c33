"""Parameters of the epidemic engine, their defaults and their validation.

Defaults are published COVID-19 (wild-type) estimates as collected in Covasim's
``covasim/parameters.py`` (Kerr et al. 2021, PLoS Comput Biol 17(7): e1009149):

* latent period (exposed → infectious) lognormal, mean 4.5 d, sd 1.5 (Lauer et al. 2020);
* infectious period lognormal, mean 8 d, sd 2 (Wölfel et al. 2020) — we take the onset of
  hospitalisation at the end of it (Covasim's symptom → severe is 6.6 + 1.1 d, close to it);
* hospital stay to recovery lognormal, mean 18.1 d, sd 6.3 (Verity et al. 2020);
* hospital stay to death lognormal, mean 10.7 d, sd 4.8 (Verity et al. 2020);
* per-infection probability of severe disease (hospitalisation) by decade of age, from
  Ferguson et al. 2020 (Imperial Report 9, Table 1), and per-infection probability of death
  (IFR) from O'Driscoll et al. 2021 (Nature 590:140) and Brazeau et al. 2020 (Report 34) for 90+;
  the engine uses IFR / P(severe) as the probability of death once in hospital;
* with no bed free, death in hospital is twice as likely (Covasim's ``no_hosp_factor``).

Every value can be overridden; `EpidemicParams.validate` raises `EngineInputError` naming the
field before any work starts.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy import special  # type: ignore[import-untyped]  # no scipy-stubs in the lock

from resigrid.sim.engine.errors import EngineInputError

FloatArray = npt.NDArray[np.float64]

MAX_R0: Final = 20.0  # measles is ~15; anything above is a typo, not a pathogen
MAX_DAYS: Final = 3650
MAX_DURATION_DAYS: Final = 365
LAYERS: Final = ("household", "building", "grid", "community", "random")

AGE_CUTOFFS: Final = (0, 10, 20, 30, 40, 50, 60, 70, 80, 90)
# Ferguson et al. 2020, Table 1 (overall probability of severe disease), as in Covasim.
HOSPITALISATION_PROBS: Final = (
    0.00050, 0.00165, 0.00720, 0.02080, 0.03430, 0.07650, 0.13280, 0.20655, 0.24570, 0.24570,
)  # fmt: skip
# O'Driscoll et al. 2021 IFR by decade; 90+ from Brazeau et al. 2020, as in Covasim.
DEATH_PROBS: Final = (
    0.00002, 0.00002, 0.00010, 0.00032, 0.00098, 0.00265, 0.00766, 0.02439, 0.08292, 0.16190,
)  # fmt: skip


@dataclass(frozen=True)
class Duration:
    """A lognormal duration in days (mean, sd), discretised to whole days ≥ 1."""

    mean: float
    sd: float

    def validate(self, name: str) -> None:
        if not (math.isfinite(self.mean) and 0.5 <= self.mean <= MAX_DURATION_DAYS):
            raise EngineInputError(
                "duration_mean",
                f"{name}: the mean must be between 0.5 and {MAX_DURATION_DAYS} days, "
                f"got {self.mean}.",
                field=name,
                value=self.mean,
            )
        if not (math.isfinite(self.sd) and 0 <= self.sd <= MAX_DURATION_DAYS):
            raise EngineInputError(
                "duration_sd",
                f"{name}: the standard deviation must be between 0 and {MAX_DURATION_DAYS} "
                f"days, got {self.sd}.",
                field=name,
                value=self.sd,
            )

    def pmf(self) -> FloatArray:
        """P(duration = k days) for k = 0..K (index 0 is always 0): the lognormal rounded to
        the nearest day, at least one day; the tail beyond 3 × the mean + 6 sd goes to K."""
        top = math.ceil(3 * self.mean + 6 * self.sd) + 2
        if self.sd == 0:
            out = np.zeros(max(2, round(self.mean) + 1))
            out[max(1, round(self.mean))] = 1.0
            return out
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        mu = math.log(self.mean) - sigma2 / 2
        edges = np.arange(top + 1, dtype=np.float64) + 0.5  # 0.5, 1.5, …
        cdf = special.ndtr((np.log(edges) - mu) / math.sqrt(sigma2))
        out = np.zeros(top + 1)
        out[1] = cdf[1]  # everything below 1.5 days rounds to one day
        out[2:] = np.diff(cdf[1:])
        out[-1] += 1.0 - cdf[-1]
        result: FloatArray = out / out.sum()
        return result


@dataclass(frozen=True)
class LayerWeights:
    """Share of transmission potential in each contact layer (normalised to sum 1).

    Household: the flat; building: stairs, lifts, neighbours; grid: the courtyard, the small
    shops; community: markets, clinics, the committee; random: the rest of the city (work,
    school, transport). The split follows the order of magnitude of Covasim's hybrid layers
    (household β×contacts ≈ a quarter to a third of the total).
    """

    household: float = 0.30
    building: float = 0.15
    grid: float = 0.15
    community: float = 0.15
    random: float = 0.25

    def as_array(self) -> FloatArray:
        return np.array([getattr(self, name) for name in LAYERS], dtype=np.float64)

    def validate(self) -> None:
        values = self.as_array()
        for name, value in zip(LAYERS, values, strict=True):
            if not (math.isfinite(value) and value >= 0):
                raise EngineInputError(
                    "layer_weight",
                    f"The {name} layer weight must be a number ≥ 0, got {value}.",
                    field=f"layer_weights.{name}",
                    value=float(value),
                )
        if values.sum() <= 0:
            raise EngineInputError(
                "layer_weights_zero",
                "At least one contact layer must have a weight above 0.",
                field="layer_weights",
            )


HOMOGENEOUS = LayerWeights(household=0.0, building=0.0, grid=0.0, community=0.0, random=1.0)


@dataclass(frozen=True)
class EpidemicParams:
    """Everything the epidemic needs besides the population and the interventions.

    ``r0`` is the nominal basic reproduction number: the expected number of people one
    infectious person infects in a fully susceptible population if every group were large
    (β = r0 / mean infectious days, split over the layers by ``layer_weights``). In
    ``homogeneous`` mode (one layer, everybody) it is exactly the R0 of the SEIR final-size
    relation; on the real layers, saturation of small households makes the effective value lower.
    """

    r0: float = 2.5
    days: int = 180
    initial_infected: int = 10
    homogeneous: bool = False
    layer_weights: LayerWeights = field(default_factory=LayerWeights)
    latent: Duration = Duration(4.5, 1.5)
    infectious: Duration = Duration(8.0, 2.0)
    hospital_to_recovery: Duration = Duration(18.1, 6.3)
    hospital_to_death: Duration = Duration(10.7, 4.8)
    age_cutoffs: tuple[int, ...] = AGE_CUTOFFS
    hospitalisation_probs: tuple[float, ...] = HOSPITALISATION_PROBS
    death_probs: tuple[float, ...] = DEATH_PROBS
    relative_susceptibility: tuple[float, ...] | None = None  # per age band; None = all 1
    hospital_capacity: int | None = None  # beds; None = beds_per_1000 × population / 1000
    beds_per_1000: float = 1.0
    no_bed_death_factor: float = 2.0

    def validate(self) -> None:
        """Raise `EngineInputError` for the first value out of range."""
        if not (math.isfinite(self.r0) and 0 < self.r0 <= MAX_R0):
            raise EngineInputError(
                "r0_range",
                f"R0 must be above 0 and at most {MAX_R0:g}, got {self.r0}.",
                field="r0",
                value=self.r0,
            )
        _int_range("days", self.days, 1, MAX_DAYS)
        _int_range("initial_infected", self.initial_infected, 1, 10**9)
        self.layer_weights.validate()
        for name in ("latent", "infectious", "hospital_to_recovery", "hospital_to_death"):
            duration: Duration = getattr(self, name)
            duration.validate(name)
        cutoffs = self.age_cutoffs
        if not cutoffs or cutoffs[0] != 0 or any(b <= a for a, b in itertools.pairwise(cutoffs)):
            raise EngineInputError(
                "age_cutoffs",
                "Age cutoffs must start at 0 and increase.",
                field="age_cutoffs",
            )
        bands = len(cutoffs)
        hosp = self._band_values("hospitalisation_probs", self.hospitalisation_probs, bands)
        death = self._band_values("death_probs", self.death_probs, bands)
        for values, name in ((hosp, "hospitalisation_probs"), (death, "death_probs")):
            if ((values < 0) | (values > 1)).any():
                raise EngineInputError(
                    "probability_range",
                    f"{name}: every probability must be between 0 and 1.",
                    field=name,
                )
        if (death > hosp).any():
            raise EngineInputError(
                "death_above_hospitalisation",
                "death_probs: the probability of death cannot exceed the probability of "
                "hospitalisation in the same age band (deaths happen in hospital).",
                field="death_probs",
            )
        if self.relative_susceptibility is not None:
            sus = self._band_values("relative_susceptibility", self.relative_susceptibility, bands)
            if (sus < 0).any() or (sus > 10).any():
                raise EngineInputError(
                    "susceptibility_range",
                    "relative_susceptibility: every value must be between 0 and 10.",
                    field="relative_susceptibility",
                )
        if self.hospital_capacity is not None:
            _int_range("hospital_capacity", self.hospital_capacity, 0, 10**9)
        _float_range("beds_per_1000", self.beds_per_1000, 0.0, 1000.0)
        _float_range("no_bed_death_factor", self.no_bed_death_factor, 1.0, 100.0)

    @staticmethod
    def _band_values(name: str, values: tuple[float, ...], bands: int) -> FloatArray:
        array = np.asarray(values, dtype=np.float64)
        if array.shape != (bands,) or not np.isfinite(array).all():
            raise EngineInputError(
                "band_count",
                f"{name}: give one finite number per age band ({bands}), got {len(values)}.",
                field=name,
            )
        return array

    # Derived quantities used by the engine -------------------------------------------------

    def beta(self) -> float:
        """Daily transmission rate per infectious person: R0 / expected infectious days."""
        pmf = self.infectious.pmf()
        mean_days = float((np.arange(pmf.size) * pmf).sum())
        return self.r0 / mean_days

    def weights(self) -> FloatArray:
        w = (HOMOGENEOUS if self.homogeneous else self.layer_weights).as_array()
        normalised: FloatArray = w / w.sum()
        return normalised

    def capacity_for(self, population: int) -> int:
        if self.hospital_capacity is not None:
            return self.hospital_capacity
        return math.ceil(self.beds_per_1000 * population / 1000)


def _int_range(name: str, value: int, low: int, high: int) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or not low <= value <= high
    ):
        raise EngineInputError(
            "integer_range",
            f"{name} must be a whole number between {low} and {high}, got {value!r}.",
            field=name,
            value=str(value),
        )


def _float_range(name: str, value: float, low: float, high: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and low <= value <= high):
        raise EngineInputError(
            "number_range",
            f"{name} must be a number between {low:g} and {high:g}, got {value!r}.",
            field=name,
            value=str(value),
        )
