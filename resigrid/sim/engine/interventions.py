"""Interventions of the epidemic engine and strategies (named sets of them).

Each intervention starts on a day (``start_day``; day 0 is the day of the first cases) and,
for the grid lockdown, on a trigger. They act as follows:

* `Testing`: each undetected infectious person is detected with ``daily_probability`` per day
  (hospital admissions are always detected, with or without testing).
* `Isolation`: a detected person is isolated from the day of detection: no contacts outside
  the household, and household transmission × ``household_factor`` (0 = centralised isolation).
* `GridLockdown` (封控): when a grid's detections over the last ``window_days`` reach
  ``threshold``, its residents lose their building, grid, community and random contacts for
  ``duration_days`` (household contacts stay); a grid still over the threshold when it ends is
  locked again.
* `ReducedContacts`: community and random-layer transmission × ``factor`` (markets closed,
  work from home) from ``start_day`` to ``end_day``.
* `Vaccination`: ``daily_doses`` a day, vulnerable people first, then the oldest; susceptibility
  × (1 − ``efficacy_infection``) and the chance of hospitalisation × (1 − ``efficacy_severe``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from resigrid.sim.engine.errors import EngineInputError, name_list
from resigrid.sim.engine.params import MAX_DAYS


@dataclass(frozen=True)
class Testing:
    __test__ = False  # a testing policy, not a pytest test class

    daily_probability: float = 0.1
    start_day: int = 0

    def validate(self) -> None:
        _day("testing.start_day", self.start_day)
        _fraction("testing.daily_probability", self.daily_probability)


@dataclass(frozen=True)
class Isolation:
    household_factor: float = 0.0
    start_day: int = 0

    def validate(self) -> None:
        _day("isolation.start_day", self.start_day)
        _fraction("isolation.household_factor", self.household_factor)


@dataclass(frozen=True)
class GridLockdown:
    threshold: int = 3
    window_days: int = 7
    duration_days: int = 14
    start_day: int = 0

    def validate(self) -> None:
        _day("grid_lockdown.start_day", self.start_day)
        _whole("grid_lockdown.threshold", self.threshold, 1, 10**9)
        _whole("grid_lockdown.window_days", self.window_days, 1, 365)
        _whole("grid_lockdown.duration_days", self.duration_days, 1, MAX_DAYS)


@dataclass(frozen=True)
class ReducedContacts:
    factor: float = 0.5
    start_day: int = 0
    end_day: int | None = None

    def validate(self) -> None:
        _day("reduced_contacts.start_day", self.start_day)
        _fraction("reduced_contacts.factor", self.factor)
        if self.end_day is not None:
            _whole("reduced_contacts.end_day", self.end_day, self.start_day, MAX_DAYS)


@dataclass(frozen=True)
class Vaccination:
    daily_doses: int = 1000
    efficacy_infection: float = 0.6
    efficacy_severe: float = 0.8
    vulnerable_first: bool = True
    start_day: int = 0

    def validate(self) -> None:
        _day("vaccination.start_day", self.start_day)
        _whole("vaccination.daily_doses", self.daily_doses, 0, 10**9)
        _fraction("vaccination.efficacy_infection", self.efficacy_infection)
        _fraction("vaccination.efficacy_severe", self.efficacy_severe)


Intervention = Testing | Isolation | GridLockdown | ReducedContacts | Vaccination


@dataclass(frozen=True)
class Strategy:
    """A named set of interventions, at most one of each kind."""

    name: str
    interventions: tuple[Intervention, ...] = ()

    def validate(self) -> None:
        if not self.name.strip():
            raise EngineInputError("strategy_name", "A strategy needs a name.", field="name")
        kinds = [type(item).__name__ for item in self.interventions]
        repeated = sorted({kind for kind in kinds if kinds.count(kind) > 1})
        if repeated:
            raise EngineInputError(
                "intervention_repeated",
                f"Strategy {self.name!r} has more than one {name_list(repeated)}.",
                field="interventions",
                strategy=self.name,
            )
        for item in self.interventions:
            item.validate()

    def get(self, kind: type[Intervention]) -> Intervention | None:
        for item in self.interventions:
            if isinstance(item, kind):
                return item
        return None


def validate_strategies(strategies: Sequence[Strategy]) -> None:
    if not strategies:
        raise EngineInputError("no_strategies", "Give at least one strategy.", field="strategies")
    names = [s.name for s in strategies]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise EngineInputError(
            "strategy_name_repeated",
            f"Strategy names must be unique: {name_list(repeated)} repeated.",
            field="strategies",
        )
    for strategy in strategies:
        strategy.validate()


def _day(name: str, value: int) -> None:
    _whole(name, value, 0, MAX_DAYS)


def _whole(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise EngineInputError(
            "integer_range",
            f"{name} must be a whole number between {low} and {high}, got {value!r}.",
            field=name,
            value=str(value),
        )


def _fraction(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= 1):
        raise EngineInputError(
            "fraction_range",
            f"{name} must be between 0 and 1, got {value!r}.",
            field=name,
            value=str(value),
        )
