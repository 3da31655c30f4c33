"""Typed request and response bodies of the plans API. Levels are "1" (I, the most severe) to
"4" (IV); an empty level on a role, task or bulletin template means: every level. Quantities are
per 1,000 affected residents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from resigrid.registers.choices import HazardClass, Phase, ResponseLevel


class ErrorOut(Schema):
    detail: Any


class ConflictOut(Schema):
    detail: str
    state: str | None = None


class RefOut(Schema):
    id: int
    name: str


class PlanIn(Schema):
    title: str = Field(..., max_length=200)
    hazard_class: HazardClass
    area_code: str = Field(..., max_length=15)
    hazard_subtype: str = ""
    summary: str = ""


class PlanPatchIn(Schema):
    title: str | None = Field(None, max_length=200)
    hazard_subtype: str | None = None
    summary: str | None = None
    active: bool | None = Field(None, description="false deactivates the plan")


class PlanOut(Schema):
    id: int
    title: str
    hazard_class: HazardClass
    hazard_class_label: str
    hazard_subtype: str
    area_code: str
    area_name: str
    version: int
    active: bool
    revised_from_id: int | None
    summary: str
    levels: list[ResponseLevel]
    in_use: bool = Field(..., description="An incident activated this version: revise to change")
    can_edit: bool


class LevelIn(Schema):
    level: ResponseLevel
    criteria: str = Field(..., max_length=4000)
    alert_level: str = Field("", description="red, orange, yellow or blue: the warning colour")
    trigger_value: Decimal | None = None
    trigger_unit: str = ""


class LevelPatchIn(Schema):
    level: ResponseLevel | None = None
    criteria: str | None = Field(None, max_length=4000)
    alert_level: str | None = None
    trigger_value: Decimal | None = None
    trigger_unit: str | None = None


class LevelOut(Schema):
    id: int
    level: ResponseLevel
    level_label: str
    criteria: str
    alert_level: str
    trigger_value: Decimal | None
    trigger_unit: str


class RoleIn(Schema):
    level: str = Field("", description="Empty: every level")
    code: str = Field(..., max_length=60)
    name: str = Field(..., max_length=200)
    duties: str = ""
    unit_id: int | None = None
    sort: int = 0


class RolePatchIn(Schema):
    level: str | None = None
    code: str | None = Field(None, max_length=60)
    name: str | None = Field(None, max_length=200)
    duties: str | None = None
    unit_id: int | None = None
    sort: int | None = None


class RoleOut(Schema):
    id: int
    level: str
    code: str
    name: str
    duties: str
    unit: RefOut | None
    sort: int


class TaskIn(Schema):
    level: str = Field("", description="Empty: every level")
    title: str = Field(..., max_length=200)
    detail: str = ""
    phase: Phase = Phase.RESPOND
    duty_id: int | None = Field(None, description="Owner: the lead unit of this duty …")
    owner_unit_id: int | None = Field(None, description="… or this unit (not both)")
    due_offset_minutes: int = Field(..., description="Due this many minutes after activation")
    sort: int = 0


class TaskPatchIn(Schema):
    level: str | None = None
    title: str | None = Field(None, max_length=200)
    detail: str | None = None
    phase: Phase | None = None
    duty_id: int | None = None
    owner_unit_id: int | None = None
    due_offset_minutes: int | None = None
    sort: int | None = None


class TaskOut(Schema):
    id: int
    level: str
    title: str
    detail: str
    phase: Phase
    duty_id: int | None
    owner_unit_id: int | None
    due_offset_minutes: int
    sort: int
    owner: RefOut | None = Field(..., description="Who owns it on activation (null: nobody)")
    owner_source: str = Field(..., description="unit, duty, list (responsibility list) or ''")


class NeedIn(Schema):
    item_id: int
    per_thousand: Decimal
    level_factors: dict[str, Decimal] = Field(
        default_factory=dict, description='Per level, e.g. {"1": 2, "4": 0.5}; left out: 1'
    )
    note: str = ""


class NeedPatchIn(Schema):
    item_id: int | None = None
    per_thousand: Decimal | None = None
    level_factors: dict[str, Decimal] | None = None
    note: str | None = None


class NeedOut(Schema):
    id: int
    item: RefOut
    uom: str
    per_thousand: Decimal
    level_factors: dict[str, Decimal]
    note: str


class BulletinIn(Schema):
    level: str = Field("", description="Empty: every level")
    title: str = Field(..., max_length=200)
    body: str = Field(..., description="May hold {area}, {level} and {time}")
    sort: int = 0


class BulletinPatchIn(Schema):
    level: str | None = None
    title: str | None = Field(None, max_length=200)
    body: str | None = None
    sort: int | None = None


class BulletinOut(Schema):
    id: int
    level: str
    title: str
    body: str
    sort: int


class PlanDetailOut(PlanOut):
    level_rows: list[LevelOut]
    roles: list[RoleOut]
    tasks: list[TaskOut]
    needs: list[NeedOut]
    bulletins: list[BulletinOut]


class ActivationRoleOut(Schema):
    code: str
    name: str
    duties: str
    unit: RefOut | None


class ActivationTaskOut(Schema):
    title: str
    detail: str
    owner: RefOut
    due_offset_minutes: int
    phase: Phase


class ActivationNeedOut(Schema):
    item: RefOut
    per_thousand: Decimal
    uom: str


class ActivationBulletinOut(Schema):
    title: str
    body: str


class ActivationOut(Schema):
    plan_id: int
    plan_title: str
    plan_version: int
    level: ResponseLevel
    criteria: str
    roles: list[ActivationRoleOut]
    tasks: list[ActivationTaskOut]
    needs: list[ActivationNeedOut]
    bulletins: list[ActivationBulletinOut]
