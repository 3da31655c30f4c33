"""Demo data of the risks app (issue 6): filled in by its owner."""

from __future__ import annotations


def seed(*, seed: int, street_id: int, community_ids: list[int]) -> dict[str, int]:
    """Write the demo's risks rows; return counts for the seed summary."""
    return {}
