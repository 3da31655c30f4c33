"""Reads other apps use: the time limits of a category and the route of a case."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from resigrid.areas.models import Area
from resigrid.orgs.models import Unit
from resigrid.registers import routing
from resigrid.registers.choices import Phase
from resigrid.registers.models import Category, Deadline, Duty


@dataclass(frozen=True)
class StageMinutes:
    accept: int
    dispatch: int
    handle: int
    verify: int


@dataclass(frozen=True)
class Route:
    duty: Duty | None
    lead_unit: Unit | None
    support_units: list[Unit] = field(default_factory=list)


def category_chain(category: Category) -> list[Category]:
    """The category and its ancestors, nearest first (the tree is shallow: a few queries)."""
    chain = [category]
    while chain[-1].parent_id is not None and len(chain) < 10:
        parent = Category.objects.get(pk=chain[-1].parent_id)
        chain.append(parent)
    return chain


def area_chain(area: Area) -> list[Area]:
    """The area and its ancestors, nearest first."""
    chain = [area]
    while chain[-1].parent_id is not None and len(chain) < 10:
        chain.append(Area.objects.get(pk=chain[-1].parent_id))
    return chain


def deadlines_for(category: Category, priority: str) -> StageMinutes:
    chain = category_chain(category)
    rows = {
        d.category_id: d for d in Deadline.objects.filter(category__in=chain, priority=priority)
    }
    for node in chain:
        row = rows.get(node.pk)
        if row is not None:
            return StageMinutes(
                row.accept_minutes, row.dispatch_minutes, row.handle_minutes, row.verify_minutes
            )
    accept, dispatch, handle, verify = settings.CASE_DEFAULT_DEADLINES[priority]
    return StageMinutes(accept, dispatch, handle, verify)


def route(category: Category, area: Area, phase: str = Phase.RESPOND) -> Route:
    """The lead and support units of the duty that applies to a case of `category` in `area`."""
    categories = category_chain(category)
    areas = area_chain(area)
    duties = list(
        Duty.objects.active()
        .filter(category__in=categories, area__in=areas, phase=phase)
        .select_related("lead_unit")
    )
    duty = routing.pick(
        [(d.category_id, d.area_id, d) for d in duties],
        [c.pk for c in categories],
        [a.pk for a in areas],
    )
    if duty is None:
        return Route(None, None, [])
    return Route(duty, duty.lead_unit, list(duty.support_units.order_by("pk")))
