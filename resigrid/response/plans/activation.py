"""What activating a plan at a level hands to the incident: the interface between the plans app
(which fills it from its models) and the incidents app (which creates the command post roster
and the tasks from it) and the allocations app (needs per 1,000 residents)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from resigrid.core.errors import ValidationFailed
from resigrid.registers.choices import ResponseLevel
from resigrid.registers.reads import duties_for_hazard
from resigrid.response.plans.models import Plan, TaskTemplate


@dataclass(frozen=True)
class CommandRoleSpec:
    """A role of the temporary command post (临时指挥部), e.g. 总指挥, 物资保障组组长."""

    code: str
    name: str
    duties: str
    unit_id: int | None  # the unit that fills it, when the plan names one


@dataclass(frozen=True)
class TaskSpec:
    title: str
    detail: str
    owner_unit_id: int  # from the responsibility list; never None (a plan without owners fails)
    due_offset_minutes: int  # after activation
    phase: str  # registers.choices.Phase value


@dataclass(frozen=True)
class NeedSpec:
    item_id: int  # resources.Item
    per_thousand: Decimal  # quantity per 1,000 affected residents
    uom: str


@dataclass(frozen=True)
class BulletinSpec:
    title: str
    body: str  # may hold {area}, {level}, {time} placeholders


@dataclass(frozen=True)
class PlanActivation:
    plan_id: int
    plan_title: str
    plan_version: int
    level: ResponseLevel
    criteria: str  # the level's activation criteria, for the log
    roles: tuple[CommandRoleSpec, ...]
    tasks: tuple[TaskSpec, ...]
    needs: tuple[NeedSpec, ...]
    bulletins: tuple[BulletinSpec, ...]


def _for_level(level: str) -> Q:
    return Q(level="") | Q(level=level)


def level_factor(factors: object, level: str) -> Decimal:
    """The factor of `level` in a need's `level_factors` (1 when not given)."""
    if isinstance(factors, dict) and level in factors:
        return Decimal(str(factors[level]))
    return Decimal("1")


def task_owner(plan: Plan, task: TaskTemplate) -> int | None:
    """The unit that owns `task`: the unit chosen on it, else the lead unit of its duty while
    that duty is active, else the lead unit of the nearest active duty of the responsibility list
    for the plan's hazard class and area in the task's phase."""
    if task.owner_unit_id is not None:
        return task.owner_unit_id
    if task.duty is not None and task.duty.active:
        return task.duty.lead_unit_id
    duty = duties_for_hazard(plan.hazard_class, plan.area, task.phase)
    return duty.lead_unit_id if duty is not None else None


def activation_for(plan: Plan, level: ResponseLevel | str) -> PlanActivation:
    """Everything the plan says for `level`. Raises ValidationFailed when the plan has no such
    level or a task template without an owner."""
    if level not in ResponseLevel.values:
        raise ValidationFailed(
            _("Unknown response level: %(level)s.") % {"level": level}, field="level"
        )
    level = ResponseLevel(level)
    plan_level = plan.levels.filter(level=level).first()
    if plan_level is None:
        raise ValidationFailed(
            _("The plan %(plan)s does not define %(level)s.")
            % {"plan": plan.title, "level": level.label},
            field="level",
        )
    roles = tuple(
        CommandRoleSpec(code=r.code, name=r.name, duties=r.duties, unit_id=r.unit_id)
        for r in plan.roles.filter(_for_level(level)).order_by("sort", "pk")
    )
    tasks: list[TaskSpec] = []
    templates = (
        plan.task_templates.filter(_for_level(level))
        .select_related("duty")
        .order_by("due_offset_minutes", "sort", "pk")
    )
    for t in templates:
        owner = task_owner(plan, t)
        if owner is None:
            raise ValidationFailed(
                _(
                    "The task “%(task)s” has no owner: choose a unit or a duty, or set a duty "
                    "for %(hazard)s (%(phase)s) on %(area)s in the responsibility list."
                )
                % {
                    "task": t.title,
                    "hazard": plan.get_hazard_class_display(),
                    "phase": t.get_phase_display(),
                    "area": plan.area.name,
                },
                field="tasks",
            )
        tasks.append(
            TaskSpec(
                title=t.title,
                detail=t.detail,
                owner_unit_id=owner,
                due_offset_minutes=t.due_offset_minutes,
                phase=t.phase,
            )
        )
    needs: list[NeedSpec] = []
    for n in plan.needs.select_related("item").order_by("item__category", "item__code", "pk"):
        quantity = (n.per_thousand * level_factor(n.level_factors, level)).quantize(Decimal("0.01"))
        if quantity > 0:
            needs.append(NeedSpec(item_id=n.item_id, per_thousand=quantity, uom=n.item.uom))
    bulletins = tuple(
        BulletinSpec(title=b.title, body=b.body)
        for b in plan.bulletin_templates.filter(_for_level(level)).order_by("sort", "pk")
    )
    return PlanActivation(
        plan_id=plan.pk,
        plan_title=plan.title,
        plan_version=plan.version,
        level=level,
        criteria=plan_level.criteria,
        roles=roles,
        tasks=tuple(tasks),
        needs=tuple(needs),
        bulletins=bulletins,
    )
