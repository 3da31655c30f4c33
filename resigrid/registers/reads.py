"""Reads other apps use: the time limits of a category and the route of a case, with the route
explained in words for the people who have to accept it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from resigrid.areas.codes import CODE_LENGTH, PARENT_LEVEL, Level
from resigrid.areas.codes import prefix as area_prefix
from resigrid.areas.models import Area
from resigrid.orgs.models import Unit
from resigrid.registers import routing, rules
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
    """The category and its ancestors, nearest first.

    One query: the ancestors' codes are the code's prefixes (the services keep it so); a parent
    that the codes do not find (data written around the services) is fetched by its id.
    """
    chain = [category]
    if category.parent_id is None:
        return chain
    by_pk = {
        c.pk: c for c in Category.objects.filter(code__in=rules.ancestor_codes(category.code)[1:])
    }
    while chain[-1].parent_id is not None and len(chain) < 10:
        parent_id = chain[-1].parent_id
        parent = by_pk.get(parent_id) or Category.objects.get(pk=parent_id)
        chain.append(parent)
    return chain


def _area_ancestor_codes(area: Area) -> list[str]:
    codes: list[str] = []
    code, level = area.code, PARENT_LEVEL.get(Level(area.level))
    while level is not None:
        code = area_prefix(code, level).ljust(CODE_LENGTH, "0")
        codes.append(code)
        level = PARENT_LEVEL[level]
    return codes


def area_chain(area: Area) -> list[Area]:
    """The area and its ancestors, nearest first (one query; the codes name the ancestors)."""
    chain = [area]
    if area.parent_id is None:
        return chain
    # Boundaries are large and no caller of the chain draws them.
    ancestors = Area.objects.filter(code__in=_area_ancestor_codes(area)).defer("boundary")
    by_pk = {a.pk: a for a in ancestors}
    while chain[-1].parent_id is not None and len(chain) < 10:
        parent_id = chain[-1].parent_id
        chain.append(by_pk.get(parent_id) or Area.objects.get(pk=parent_id))
    return chain


def default_minutes(priority: str) -> StageMinutes:
    accept, dispatch, handle, verify = settings.CASE_DEFAULT_DEADLINES[priority]
    return StageMinutes(accept, dispatch, handle, verify)


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
    return default_minutes(priority)


def _pick(
    categories: list[Category], areas: list[Area], phase: str
) -> tuple[Duty | None, list[Unit]]:
    duties = list(
        Duty.objects.active()
        .for_cases()
        .filter(category__in=categories, area__in=areas, phase=phase)
        .select_related("lead_unit", "category", "area")
    )
    duty = routing.pick(
        [(d.category_id, d.area_id, d) for d in duties if d.category_id is not None],
        [c.pk for c in categories],
        [a.pk for a in areas],
    )
    if duty is None:
        return None, []
    return duty, list(duty.support_units.order_by("pk"))


def route(category: Category, area: Area, phase: str = Phase.RESPOND) -> Route:
    """The lead and support units of the duty that applies to a case of `category` in `area`."""
    duty, support = _pick(category_chain(category), area_chain(area), phase)
    if duty is None:
        return Route(None, None, [])
    return Route(duty, duty.lead_unit, support)


def duties_for_hazard(hazard_class: str, area: Area, phase: str = Phase.RESPOND) -> Duty | None:
    """The active duty for `hazard_class` in `phase` set on `area` or, failing that, on the
    nearest area above it (the same nearest-ancestor rule as case routing). Plans draw the
    owners of their tasks from it."""
    if not hazard_class:
        return None
    areas = area_chain(area)
    by_area = {
        d.area_id: d
        for d in Duty.objects.active()
        .for_hazards()
        .filter(hazard_class=hazard_class, area__in=areas, phase=phase)
        .select_related("lead_unit", "area")
    }
    for a in areas:
        if a.pk in by_area:
            return by_area[a.pk]
    return None


@dataclass(frozen=True)
class ExplainedRoute:
    route: Route
    category: Category
    area: Area
    phase: str
    inherited_area: bool  # the rule is set on an area above `area`
    inherited_category: bool  # the rule is set on a parent category of `category`
    lines: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def _category_label(category: Category | None) -> str:
    return "" if category is None else f"{category.code} {category.name}"


def explain(category: Category, area: Area, phase: str = Phase.RESPOND) -> ExplainedRoute:
    """What routing does for `category` in `area`, and why, in words."""
    categories, areas = category_chain(category), area_chain(area)
    duty, support = _pick(categories, areas, phase)
    phase_label = str(Phase(phase).label) if phase in Phase.values else phase
    if duty is None:
        line = _(
            "No duty applies: there is no active rule (%(phase)s) for %(category)s or its parent "
            "categories on %(area)s or the areas above it."
        ) % {"phase": phase_label, "category": _category_label(category), "area": area.name}
        return ExplainedRoute(Route(None, None, []), category, area, phase, False, False, [line])
    lines = [
        _("From the duty set on %(area)s for %(category)s (%(phase)s): %(lead)s leads.")
        % {
            "area": duty.area.name,
            "category": _category_label(duty.category),
            "phase": phase_label,
            "lead": duty.lead_unit.name,
        }
    ]
    if support:
        lines.append(
            _("Supporting: %(units)s.")
            % {"units": pgettext("list separator", ", ").join(u.name for u in support)}
        )
    inherited_area = duty.area_id != area.pk
    inherited_category = duty.category_id != category.pk
    if inherited_area:
        lines.append(
            _("%(area)s has no rule of its own for this category; it inherits from %(from)s.")
            % {"area": area.name, "from": duty.area.name}
        )
    if inherited_category:
        lines.append(
            _("%(category)s has no rule of its own there; it falls under %(parent)s.")
            % {"category": _category_label(category), "parent": _category_label(duty.category)}
        )
    return ExplainedRoute(
        Route(duty, duty.lead_unit, support),
        category,
        area,
        phase,
        inherited_area,
        inherited_category,
        lines,
    )
