"""Read side of sweeps: per-grid progress (one GROUP BY over the progress index), the contact
lists and the overdue list. Masking of personal data happens here, on the server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q

from resigrid.areas.models import Area
from resigrid.response.incidents.models import Incident
from resigrid.response.sweeps.models import Outcome, Sweep, SweepContact, SweepState


@dataclass(frozen=True)
class GridRow:
    grid_id: int
    grid_code: str
    grid_name: str
    persons: int
    safe: int
    needs_help: int
    unreachable: int

    @property
    def contacted(self) -> int:
        return self.safe + self.needs_help + self.unreachable

    @property
    def pending(self) -> int:
        return self.persons - self.contacted

    @property
    def percent(self) -> int:
        return round(100 * self.contacted / self.persons) if self.persons else 100


def current_sweeps(incident: Incident) -> list[Sweep]:
    """The incident's open sweeps; when none is open, the latest one (closed)."""
    sweeps = list(Sweep.objects.filter(incident=incident).order_by("-started_at", "-pk"))
    open_ = [s for s in sweeps if s.state == SweepState.OPEN]
    return open_ or sweeps[:1]


def grid_rows(sweep_ids: Sequence[int]) -> list[GridRow]:
    """Per grid, in grid code order: persons and the count of each outcome. One aggregate query
    on (sweep, grid, outcome) and one query for the ~hundreds of grid names."""
    if not sweep_ids:
        return []
    counts = (
        SweepContact.objects.filter(sweep_id__in=list(sweep_ids))
        .order_by()
        .values("grid_id")
        .annotate(
            persons=Count("pk"),
            safe=Count("pk", filter=Q(outcome=Outcome.SAFE)),
            needs_help=Count("pk", filter=Q(outcome=Outcome.NEEDS_HELP)),
            unreachable=Count("pk", filter=Q(outcome=Outcome.UNREACHABLE)),
        )
    )
    by_grid = {row["grid_id"]: row for row in counts}
    grids = Area.objects.filter(pk__in=list(by_grid)).only("pk", "code", "name").order_by("code")
    return [
        GridRow(
            grid_id=g.pk,
            grid_code=g.code,
            grid_name=g.name,
            persons=by_grid[g.pk]["persons"],
            safe=by_grid[g.pk]["safe"],
            needs_help=by_grid[g.pk]["needs_help"],
            unreachable=by_grid[g.pk]["unreachable"],
        )
        for g in grids
    ]


def is_overdue(sweeps: Sequence[Sweep], rows: Sequence[GridRow], now: dt.datetime) -> bool:
    """An open sweep's deadline has passed and someone is still not contacted."""
    late = any(s.is_overdue(now) for s in sweeps)
    return late and any(r.pending for r in rows)
