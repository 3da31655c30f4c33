"""Defaults shown in a new scenario's form and used by the demo: small enough that a run on the
page finishes in seconds."""

from __future__ import annotations

from typing import Any

EPIDEMIC_PARAMS: dict[str, Any] = {
    "r0": 2.5,
    "days": 120,
    "initial_infected": 5,
    "beds_per_1000": 1.0,
    "replicates": 4,
    "death_weight": 10000,
}
EPIDEMIC_STRATEGIES: list[dict[str, Any]] = [
    {"name": "No intervention"},
    {
        "name": "Isolation and testing",
        "testing": {"daily_probability": 0.2},
        "isolation": {"household_factor": 0.3},
    },
    {
        "name": "Grid lockdown at 3 cases",
        "grid_lockdown": {"threshold": 3, "window_days": 7, "duration_days": 14},
    },
    {
        "name": "Vulnerable first vaccination",
        "vaccination": {"daily_doses": 50, "vulnerable_first": True},
    },
]
EVACUATION_PARAMS: dict[str, Any] = {
    "hazard": None,
    "walking_speed_mps": 1.2,
    "max_distance_m": 2000,
    "load_warning": 0.9,
    "helpers_per_assisted": 1.0,
    "suggest": True,
}
SUPPLIES_PARAMS: dict[str, Any] = {
    "days": 14,
    "items": [
        {
            "item": "W001",
            "unit": "",
            "per_household": 0.2,
            "per_resident": 0.0,
            "per_medicine": 0.0,
            "per_oxygen": 0.0,
            "replenishment": 0.0,
        }
    ],
}

PARAMS = {"epidemic": EPIDEMIC_PARAMS, "evacuation": EVACUATION_PARAMS, "supplies": SUPPLIES_PARAMS}
