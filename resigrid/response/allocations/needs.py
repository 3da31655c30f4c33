"""Needs per grid: from the activated plan's per-1,000 figures × the grid's residents, or entered.

Pure arithmetic (`need_from_rate`) plus the reads it needs; the services write the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.db.models import Count
from django.utils.translation import gettext as _

from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.core.errors import ValidationFailed
from resigrid.people.models import Person
from resigrid.registers.choices import ResponseLevel
from resigrid.response.incidents.models import Incident
from resigrid.response.plans.activation import activation_for

MAX_QUANTITY = 10_000_000


@dataclass(frozen=True)
class GridNeed:
    grid_id: int
    item_id: int
    quantity: int
    per_thousand: Decimal | None
    population: int | None


def need_from_rate(per_thousand: Decimal, population: int) -> int:
    """per_thousand × population / 1,000, rounded up to whole units."""
    if per_thousand <= 0 or population <= 0:
        return 0
    exact = per_thousand * Decimal(population) / Decimal(1000)
    return int(exact.to_integral_value(rounding=ROUND_CEILING))


def grids_of(area: Area) -> list[Area]:
    if area.level == Level.GRID:
        return [area]
    return list(Area.objects.subtree(area).grids().order_by("code"))


def residents_per_grid(grids: list[Area]) -> dict[int, int]:
    """Current residents (Person rows) of each grid."""
    rows = (
        Person.objects.current()
        .filter(grid__in=grids)
        .order_by()
        .values("grid_id")
        .annotate(n=Count("pk"))
    )
    counts = {r["grid_id"]: r["n"] for r in rows}
    return {g.pk: counts.get(g.pk, 0) for g in grids}


def needs_from_plan(incident: Incident, grids: list[Area]) -> list[GridNeed]:
    """The needs of the incident's activated plan for each grid (zero needs left out)."""
    if incident.plan is None or not incident.plan_level:
        raise ValidationFailed(
            _("The incident has no activated plan: enter the needs by hand."), field="source"
        )
    specs = activation_for(incident.plan, ResponseLevel(incident.plan_level)).needs
    if not specs:
        raise ValidationFailed(
            _("The activated plan names no supplies for this level: enter the needs by hand."),
            field="source",
        )
    people = residents_per_grid(grids)
    out: list[GridNeed] = []
    for grid in grids:
        for spec in specs:
            qty = need_from_rate(spec.per_thousand, people[grid.pk])
            if qty:
                out.append(
                    GridNeed(
                        grid.pk,
                        spec.item_id,
                        min(qty, MAX_QUANTITY),
                        spec.per_thousand,
                        people[grid.pk],
                    )
                )
    return out
