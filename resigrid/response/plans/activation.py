"""What activating a plan at a level hands to the incident: the interface between the plans app
(which fills it from its models) and the incidents app (which creates the command post roster
and the tasks from it) and the allocations app (needs per 1,000 residents)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from resigrid.registers.choices import ResponseLevel
from resigrid.response.plans.models import Plan


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


def activation_for(plan: Plan, level: ResponseLevel) -> PlanActivation:
    """Everything the plan says for `level`. Raises ValidationFailed when the plan has no such
    level or a task template without an owner."""
    raise NotImplementedError  # the plans app replaces this
