"""What the command dashboard and the situation report read from this app for one incident.
The dataclass is the interface (the command app codes against it); the owner of this app
implements `for_incident` with one or two aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from resigrid.response.incidents.models import Incident
from resigrid.response.sweeps import reads


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
    """The incident's current sweeps (the open ones, else the latest): totals and per grid.
    Three queries: the sweeps, the per-grid aggregate, the grid names."""
    sweeps = reads.current_sweeps(incident)
    rows = reads.grid_rows([s.pk for s in sweeps])
    by_grid = tuple(
        GridProgress(
            grid_id=r.grid_id,
            grid_name=r.grid_name,
            persons=r.persons,
            contacted=r.contacted,
            needs_help=r.needs_help,
            unreachable=r.unreachable,
        )
        for r in rows
    )
    return SweepSummary(
        persons=sum(r.persons for r in rows),
        contacted=sum(r.contacted for r in rows),
        safe=sum(r.safe for r in rows),
        needs_help=sum(r.needs_help for r in rows),
        unreachable=sum(r.unreachable for r in rows),
        overdue=reads.is_overdue(sweeps, rows, timezone.now()),
        by_grid=by_grid,
    )
