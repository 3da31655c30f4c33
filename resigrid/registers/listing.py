"""Reads for pages and the API: the category tree with effective time limits, and the
responsibility list (权责清单) of an area with the rules it inherits from above."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from resigrid.areas.codes import LEVEL_ORDER, Level
from resigrid.areas.models import Area
from resigrid.orgs.models import Unit
from resigrid.registers import rules
from resigrid.registers.choices import CategoryKind, Phase, Priority
from resigrid.registers.models import Category, Deadline, Duty, DutyQuerySet
from resigrid.registers.reads import StageMinutes, area_chain, default_minutes

PRIORITIES = [Priority.URGENT, Priority.HIGH, Priority.NORMAL]
PHASES = [Phase.PREVENT, Phase.RESPOND, Phase.RECOVER]


@dataclass(frozen=True)
class EffectiveDeadline:
    priority: str
    minutes: StageMinutes
    source: str | None  # code of the category whose row applies; None: the settings default
    own: bool  # the row is set on this category itself

    @property
    def priority_label(self) -> str:
        return str(Priority(self.priority).label)

    @property
    def hours(self) -> dict[str, str]:
        m = self.minutes
        return {
            "accept": rules.hours(m.accept),
            "dispatch": rules.hours(m.dispatch),
            "handle": rules.hours(m.handle),
            "verify": rules.hours(m.verify),
        }


@dataclass
class CategoryNode:
    category: Category
    depth: int
    deadlines: list[EffectiveDeadline]
    children: list[CategoryNode] = field(default_factory=list)

    @property
    def parent_code(self) -> str | None:
        parent = self.category.parent_id
        return None if parent is None else rules.parent_code(self.category.code)

    @property
    def kind_label(self) -> str:
        return str(CategoryKind(self.category.kind).label)


def _effective(
    categories: dict[int, Category], rows: dict[tuple[int, str], Deadline], pk: int
) -> list[EffectiveDeadline]:
    out: list[EffectiveDeadline] = []
    for priority in PRIORITIES:
        node: Category | None = categories[pk]
        found: EffectiveDeadline | None = None
        hops = 0
        while node is not None and hops < 10:
            row = rows.get((node.pk, priority))
            if row is not None:
                minutes = StageMinutes(
                    row.accept_minutes, row.dispatch_minutes, row.handle_minutes, row.verify_minutes
                )
                found = EffectiveDeadline(priority, minutes, node.code, node.pk == pk)
                break
            node = categories.get(node.parent_id) if node.parent_id is not None else None
            hops += 1
        out.append(found or EffectiveDeadline(priority, default_minutes(priority), None, False))
    return out


def category_tree(*, include_inactive: bool = False) -> list[CategoryNode]:
    """The roots of the category tree, children ordered by (sort, code), each node with its
    effective time limits per priority. Two queries whatever the size of the tree."""
    categories = {c.pk: c for c in Category.objects.all()}
    rows = {(d.category_id, d.priority): d for d in Deadline.objects.all()}
    nodes = {
        pk: CategoryNode(c, rules.depth(c.code), _effective(categories, rows, pk))
        for pk, c in categories.items()
        if include_inactive or c.active
    }
    roots: list[CategoryNode] = []
    for node in nodes.values():
        parent = nodes.get(node.category.parent_id) if node.category.parent_id else None
        (parent.children if parent is not None else roots).append(node)

    def key(n: CategoryNode) -> tuple[int, str]:
        return (n.category.sort, n.category.code)

    def order(level: list[CategoryNode]) -> list[CategoryNode]:
        level.sort(key=key)
        for n in level:
            order(n.children)
        return level

    return order(roots)


def flatten(nodes: list[CategoryNode]) -> list[CategoryNode]:
    """The tree in display order (each node followed by its subtree)."""
    out: list[CategoryNode] = []
    for n in nodes:
        out.append(n)
        out.extend(flatten(n.children))
    return out


def category_node(category: Category) -> CategoryNode:
    """One category with its effective time limits (for answers about a single node)."""
    for node in flatten(category_tree(include_inactive=True)):
        if node.category.pk == category.pk:
            return node
    raise LookupError(category.code)  # pragma: no cover - the category was just read


# The responsibility list ------------------------------------------------------------------------


@dataclass(frozen=True)
class DutyRow:
    duty: Duty
    support_units: list[Unit]
    inherited: bool  # set on an area above the listed one
    below: bool  # set on an area below the listed one
    overridden: bool  # a nearer area has an active rule for the same category and phase

    @property
    def phase_label(self) -> str:
        return str(Phase(self.duty.phase).label)


def _level_rank(area: Area) -> int:
    return LEVEL_ORDER.index(Level(area.level))


def category_filter(category: Category) -> Q:
    """Rules that matter to `category`: set on it, on its parents (they apply to it) or on its
    subcategories."""
    return Q(category__code__in=rules.ancestor_codes(category.code)) | Q(
        category__code__startswith=category.code + "."
    )


def _rule_key(d: Duty) -> tuple[int, str, str]:
    """What a nearer rule shadows: the same category (or hazard class) and phase."""
    return (d.category_id or 0, d.hazard_class, d.phase)


def duty_rows(
    *,
    area: Area,
    category: Category | None = None,
    hazard_class: str | None = None,
    kind: str | None = None,
    phase: str | None = None,
    active: bool | None = True,
    below_qs: QuerySet[Duty] | None = None,
) -> list[DutyRow]:
    """The responsibility list of `area`: the rules set on it and those it inherits from the
    areas above it (marked inherited; a rule shadowed by a nearer one is marked overridden).
    `below_qs` (already limited to what the reader may see) adds the rules set below `area`."""
    chain = area_chain(area)
    qs: DutyQuerySet = Duty.objects.filter(area__in=chain)
    if below_qs is not None:
        below_ids = below_qs.filter(area__code__startswith=area.scope_prefix).exclude(area=area)
        qs = Duty.objects.filter(Q(area__in=chain) | Q(pk__in=below_ids.values("pk")))
    if category is not None:
        qs = qs.filter(category_filter(category))
    if hazard_class:
        qs = qs.filter(hazard_class=hazard_class)
    if kind == "case":
        qs = qs.for_cases()
    elif kind == "hazard":
        qs = qs.for_hazards()
    if phase:
        qs = qs.filter(phase=phase)
    if active is not None:
        qs = qs.filter(active=active)
    duties = list(
        qs.select_related("category", "area", "lead_unit__area").prefetch_related(
            "support_units__area"
        )
    )
    chain_ids = {a.pk: i for i, a in enumerate(chain)}  # 0 = the area itself
    nearest: dict[tuple[int, str, str], int] = {}
    for d in duties:
        if d.active and d.area_id in chain_ids:
            key = _rule_key(d)
            nearest[key] = min(nearest.get(key, 99), chain_ids[d.area_id])
    rows = [
        DutyRow(
            duty=d,
            support_units=sorted(d.support_units.all(), key=lambda u: u.pk),
            inherited=d.area_id in chain_ids and d.area_id != area.pk,
            below=d.area_id not in chain_ids,
            overridden=d.active
            and d.area_id in chain_ids
            and nearest[_rule_key(d)] < chain_ids[d.area_id],
        )
        for d in duties
    ]
    rows.sort(
        key=lambda r: (
            r.duty.category_id is None,
            r.duty.subject_code,
            PHASES.index(Phase(r.duty.phase)),
            _level_rank(r.duty.area),
            r.duty.area.code,
            not r.duty.active,
            r.duty.pk,
        )
    )
    return rows


def units_serving(area: Area) -> QuerySet[Unit]:
    """Units that may lead or support a rule on `area`: those of the area, of the areas above it
    (district departments, the street office) and of the areas below it (物业 of a community)."""
    chain = area_chain(area)
    return (
        Unit.objects.filter(Q(area__in=chain) | Q(area__code__startswith=area.scope_prefix))
        .select_related("area")
        .order_by("area__code", "kind", "name")
    )


def unit_serves(unit: Unit, area: Area) -> bool:
    """Pure check on codes: the unit's area is `area`, above it or below it."""
    unit_area: Any = unit.area
    return area.is_within(unit_area) or unit_area.is_within(area)
