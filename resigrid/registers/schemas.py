"""Typed request and response bodies of the registers API (categories, time limits, duties,
routing). Time limits are in minutes."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from resigrid.registers.choices import CategoryKind, HazardClass, Phase, Priority


class ErrorOut(Schema):
    detail: Any


class StageMinutesIO(Schema):
    accept: int = Field(..., description="Minutes to accept (受理)")
    dispatch: int = Field(..., description="Minutes to dispatch (派遣)")
    handle: int = Field(..., description="Minutes to handle (处置)")
    verify: int = Field(..., description="Minutes to verify (核查)")


class DeadlineOut(StageMinutesIO):
    priority: Priority
    source: str | None = Field(
        None, description="Code of the category whose limits apply; null: the system default"
    )
    own: bool = Field(..., description="Set on this category itself (not inherited)")


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    kind: CategoryKind
    kind_label: str
    parent_code: str | None
    depth: int
    active: bool
    sort: int
    description: str
    keywords: str
    deadlines: list[DeadlineOut]


class CategoryNodeOut(CategoryOut):
    children: list[CategoryNodeOut]


class CategoryIn(Schema):
    code: str = Field(..., max_length=20, description="01, 01.02 or 01.02.03")
    name: str = Field(..., max_length=80)
    kind: CategoryKind
    parent_code: str | None = Field(
        None, description="Code of the parent; when left out, the code's prefix"
    )
    description: str = ""
    keywords: str = ""
    sort: int = 0


class CategoryPatchIn(Schema):
    code: str | None = Field(None, max_length=20)
    name: str | None = Field(None, max_length=80)
    kind: CategoryKind | None = None
    description: str | None = None
    keywords: str | None = None
    sort: int | None = None
    active: bool | None = None


class DeadlinesIn(Schema):
    """The category's own limits per priority; null (or left out) means: inherit."""

    urgent: StageMinutesIO | None = None
    high: StageMinutesIO | None = None
    normal: StageMinutesIO | None = None


class UnitRefOut(Schema):
    id: int
    name: str
    kind: str
    area_code: str
    area_name: str


class DutyOut(Schema):
    id: int
    category_code: str | None = Field(None, description="Null for a hazard-class duty")
    category_name: str | None = None
    hazard_class: HazardClass | None = Field(None, description="Null for a case-category duty")
    hazard_class_label: str | None = None
    area_code: str
    area_name: str
    phase: Phase
    phase_label: str
    lead_unit: UnitRefOut
    support_units: list[UnitRefOut]
    tasks: str
    active: bool
    inherited: bool = Field(False, description="Set on an area above the one asked about")
    below: bool = Field(False, description="Set on an area below the one asked about")
    overridden: bool = Field(False, description="A nearer area's rule takes precedence")
    can_edit: bool


class DutyIn(Schema):
    category_code: str | None = Field(None, description="A case category (routes cases) …")
    hazard_class: HazardClass | None = Field(None, description="… or a hazard class (plans)")
    area_code: str
    phase: Phase = Phase.RESPOND
    lead_unit_id: int
    support_unit_ids: list[int] = []
    tasks: str = ""


class DutyPatchIn(Schema):
    lead_unit_id: int | None = None
    support_unit_ids: list[int] | None = None
    tasks: str | None = None
    active: bool | None = None
    reason: str | None = Field(None, description="Why the duty is deactivated")


class RouteOut(Schema):
    category_code: str
    area_code: str
    phase: Phase
    duty_id: int | None
    duty_area_code: str | None
    duty_category_code: str | None
    lead_unit: UnitRefOut | None
    support_units: list[UnitRefOut]
    inherited_area: bool
    inherited_category: bool
    explanation: str
