"""Reads for the home page: what the user's scope holds. Everything goes through visible_to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum

from resigrid.accounts.models import RoleBinding
from resigrid.areas.codes import Level
from resigrid.areas.models import Area, Building, scope_prefixes

AREA_ROWS = 50  # the home page lists at most this many areas; the map shows them all


@dataclass
class ScopeSummary:
    everywhere: bool
    bindings: list[RoleBinding]
    communities: int = 0
    grids: int = 0
    buildings: int = 0
    households: int = 0
    residents: int = 0
    # Communities in scope, or the grids when the scope is below community level.
    rows: list[Area] = field(default_factory=list)
    rows_level: str = Level.COMMUNITY
    more_rows: int = 0


def scope_summary(user: Any) -> ScopeSummary:
    areas = Area.objects.visible_to(user)
    grids = areas.grids().aggregate(
        n=Count("pk"), people=Sum("population"), households=Sum("households")
    )
    summary = ScopeSummary(
        everywhere=scope_prefixes(user) is None,
        bindings=list(user.role_bindings.select_related("area").order_by("area__code", "role")),
        communities=areas.filter(level=Level.COMMUNITY).count(),
        grids=grids["n"],
        households=grids["households"] or 0,
        residents=grids["people"] or 0,
        buildings=Building.objects.visible_to(user).count(),
    )
    if summary.communities:
        rows = areas.filter(level=Level.COMMUNITY).annotate(
            grid_count=Count("children", filter=Q(children__level=Level.GRID))
        )
        summary.more_rows = max(0, summary.communities - AREA_ROWS)
    else:
        summary.rows_level = Level.GRID
        rows = areas.grids().select_related("parent")
        summary.more_rows = max(0, summary.grids - AREA_ROWS)
    summary.rows = list(rows.order_by("code")[:AREA_ROWS])
    return summary
