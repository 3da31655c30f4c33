"""What the command dashboard and the situation report read from this app for one incident.
The dataclass is the interface (the command app codes against it); the owner of this app
implements `for_incident` with one or two aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass

from resigrid.response.incidents.models import Incident


@dataclass(frozen=True)
class GridProgress:
    grid_id: int
    grid_name: str
    persons: int
    contacted: int
    needs_help: int
    unreachable: int


@dataclass(frozen=True)
class SweepSummary:
    persons: int  # vulnerable persons in the sweep
    contacted: int  # contacted with an outcome
    safe: int  # outcome safe
    needs_help: int  # outcome needs help
    unreachable: int  # outcome unreachable
    overdue: bool  # the sweep's deadline passed with persons not contacted
    by_grid: tuple[GridProgress, ...]  # per grid, in grid code order


def for_incident(incident: Incident) -> SweepSummary:
    raise NotImplementedError  # the owner of this app replaces this
