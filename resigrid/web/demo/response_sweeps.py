"""Demo data of the sweeps app (issue 6): nothing is seeded. The walk-through starts a sweep in
the live flood incident from the sweeps page (`/response/sweeps/`), which snapshots the demo's
vulnerable residents at that moment."""

from __future__ import annotations


def seed(*, seed: int, street_id: int, community_ids: list[int]) -> dict[str, int]:
    """Write the demo's sweeps rows; return counts for the seed summary."""
    return {}
