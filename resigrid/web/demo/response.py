"""Demo data of emergency response (issue 6): each sub-app seeds its own part, in layer order
(a plan before the drill that exercised it, the flood plan before an incident can use it)."""

from __future__ import annotations

from resigrid.web.demo import (
    response_allocations,
    response_bulletins,
    response_callups,
    response_incidents,
    response_institutions,
    response_plans,
    response_recovery,
    response_risks,
    response_sweeps,
)


def seed_response(*, seed: int, street_id: int, community_ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for step in (
        response_risks.seed,
        response_plans.seed,
        response_institutions.seed,
        response_incidents.seed,
        response_callups.seed,
        response_allocations.seed,
        response_sweeps.seed,
        response_bulletins.seed,
        response_recovery.seed,
    ):
        counts.update(step(seed=seed, street_id=street_id, community_ids=community_ids))
    return counts
