"""What one epidemic run produced (`EpidemicResult`), with its outcomes and a JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

COMPARTMENTS: Final = ("S", "E", "I", "R", "H", "D")


@dataclass(frozen=True)
class EpidemicResult:
    """What one run produced. Row ``d`` of every daily array is the count at the end of day d."""

    days: int
    population: int
    hospital_capacity: int
    totals: IntArray  # [days + 1, 6] S, E, I, R, H, D
    detected: IntArray  # [days + 1] cumulative detected cases
    locked_people: IntArray  # [days + 1] residents of locked grids
    grid_keys: IntArray  # [G] the caller's grid ids
    grid_population: IntArray  # [G]
    grid_infected: IntArray  # [G] ever infected
    grid_deaths: IntArray  # [G]
    grid_peak_hospital: IntArray  # [G]
    grid_locked_days: IntArray  # [G] days under lockdown
    grid_detected: IntArray  # [G] cumulative detected
    doses: int
    vulnerable_deaths: int
    # When asked for (``keep_grid_series``): per day and grid, the six compartments, the
    # cumulative detected cases and whether the grid was locked down.
    grid_series: Int32Array | None = None  # [days + 1, 6, G]
    grid_detected_series: Int32Array | None = None  # [days + 1, G]
    grid_locked_series: BoolArray | None = None  # [days + 1, G]

    def series(self, name: str) -> IntArray:
        column: IntArray = self.totals[:, COMPARTMENTS.index(name)]
        return column

    def outcomes(self) -> dict[str, float]:
        """Scalar outcomes, each a quantity to minimise (the shape `compare` takes)."""
        hospital = self.series("H")
        over = np.maximum(hospital - self.hospital_capacity, 0)
        return {
            "infections": float(self.population - self.totals[-1, 0]),
            "deaths": float(self.totals[-1, 5]),
            "vulnerable_deaths": float(self.vulnerable_deaths),
            "peak_hospital": float(hospital.max()),
            "hospital_overflow_days": float((over > 0).sum()),
            "hospital_overflow_bed_days": float(over.sum()),
            "person_days_locked": float((self.grid_locked_days * self.grid_population).sum()),
            "detected": float(self.detected[-1]),
            "doses": float(self.doses),
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and numbers (JSON)."""
        return {
            "days": self.days,
            "population": self.population,
            "hospital_capacity": self.hospital_capacity,
            "compartments": list(COMPARTMENTS),
            "totals": self.totals.tolist(),
            "detected": self.detected.tolist(),
            "locked_people": self.locked_people.tolist(),
            "outcomes": self.outcomes(),
            "grids": {
                "keys": self.grid_keys.tolist(),
                "population": self.grid_population.tolist(),
                "infected": self.grid_infected.tolist(),
                "deaths": self.grid_deaths.tolist(),
                "peak_hospital": self.grid_peak_hospital.tolist(),
                "locked_days": self.grid_locked_days.tolist(),
                "detected": self.grid_detected.tolist(),
            },
        }
