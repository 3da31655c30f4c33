"""Reads for the plan editor, its preview and the API: the parts of a plan in display order, the
owner of each task template and where it comes from, the duties and units an owner may be
picked from, and "what activation at level X gives" with names resolved."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from resigrid.core.errors import ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.registers.choices import ResponseLevel
from resigrid.registers.listing import units_serving
from resigrid.registers.models import Duty
from resigrid.registers.reads import area_chain, duties_for_hazard
from resigrid.resources.models import Item
from resigrid.response.plans.activation import PlanActivation, activation_for
from resigrid.response.plans.models import (
    BulletinTemplate,
    CommandRole,
    Plan,
    PlanLevel,
    ResourceNeed,
    TaskTemplate,
)


class OwnerSource:
    UNIT = "unit"  # a unit chosen on the template
    DUTY = "duty"  # the lead unit of the duty chosen on the template
    LIST = "list"  # the nearest duty of the responsibility list for the plan's hazard and area
    NONE = ""  # nobody: activation fails naming the task


@dataclass(frozen=True)
class TaskRow:
    task: TaskTemplate
    owner: Unit | None
    source: str
    duty: Duty | None  # the duty the owner comes from, if any


@dataclass(frozen=True)
class PlanParts:
    plan: Plan
    levels: list[PlanLevel]
    roles: list[CommandRole]
    tasks: list[TaskRow]
    needs: list[ResourceNeed]
    bulletins: list[BulletinTemplate]

    @property
    def defined_levels(self) -> list[str]:
        return [row.level for row in self.levels]

    @property
    def ownerless(self) -> list[TaskRow]:
        return [t for t in self.tasks if t.owner is None]


def task_rows(plan: Plan, tasks: list[TaskTemplate]) -> list[TaskRow]:
    """Each task with its owner, looking the responsibility list up once per phase."""
    by_phase: dict[str, Duty | None] = {}
    rows: list[TaskRow] = []
    for t in tasks:
        if t.owner_unit is not None:
            rows.append(TaskRow(t, t.owner_unit, OwnerSource.UNIT, None))
            continue
        if t.duty is not None and t.duty.active:
            rows.append(TaskRow(t, t.duty.lead_unit, OwnerSource.DUTY, t.duty))
            continue
        if t.phase not in by_phase:
            by_phase[t.phase] = duties_for_hazard(plan.hazard_class, plan.area, t.phase)
        found = by_phase[t.phase]
        if found is None:
            rows.append(TaskRow(t, None, OwnerSource.NONE, None))
        else:
            rows.append(TaskRow(t, found.lead_unit, OwnerSource.LIST, found))
    return rows


def plan_parts(plan: Plan) -> PlanParts:
    tasks = list(
        plan.task_templates.select_related("owner_unit", "duty__lead_unit", "duty__area").order_by(
            "due_offset_minutes", "sort", "pk"
        )
    )
    return PlanParts(
        plan=plan,
        levels=list(plan.levels.order_by("level")),
        roles=list(plan.roles.select_related("unit").order_by("sort", "pk")),
        tasks=task_rows(plan, tasks),
        needs=list(plan.needs.select_related("item").order_by("item__category", "item__code")),
        bulletins=list(plan.bulletin_templates.order_by("sort", "pk")),
    )


def duty_choices(plan: Plan) -> QuerySet[Duty]:
    """Active duties for the plan's hazard class on its area, above it or below it: what a task
    owner may be picked from."""
    chain = [a.pk for a in area_chain(plan.area)]
    return (
        Duty.objects.active()
        .for_hazards()
        .filter(hazard_class=plan.hazard_class)
        .filter(Q(area_id__in=chain) | Q(area__code__startswith=plan.area.scope_prefix))
        .select_related("lead_unit", "area")
        .order_by("phase", "area__code")
    )


def unit_choices(plan: Plan) -> QuerySet[Unit]:
    return units_serving(plan.area)


@dataclass(frozen=True)
class Preview:
    level: str
    activation: PlanActivation | None
    problem: str | None
    units: dict[int, Unit] = field(default_factory=dict)
    items: dict[int, Item] = field(default_factory=dict)

    @property
    def level_label(self) -> str:
        return str(ResponseLevel(self.level).label) if self.level in ResponseLevel.values else ""


def preview(plan: Plan, level: str) -> Preview:
    """`activation_for` with the unit and item names it refers to; its refusal as `problem`."""
    try:
        got = activation_for(plan, level)
    except ValidationFailed as exc:
        return Preview(level, None, str(exc.message))
    ids = {t.owner_unit_id for t in got.tasks} | {r.unit_id for r in got.roles if r.unit_id}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    items = {i.pk: i for i in Item.objects.filter(pk__in={n.item_id for n in got.needs})}
    return Preview(level, got, None, units, items)
