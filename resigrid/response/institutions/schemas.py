"""API schemas of the institution list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: Any


class VersionOut(Schema):
    id: int
    number: int
    text: str
    effective_on: dt.date
    approved_by: str
    change_note: str
    created_at: dt.datetime


class ProcedureOut(Schema):
    id: int
    area_id: int
    kind: str
    title: str
    current: VersionOut | None


class ProcedureDetailOut(ProcedureOut):
    versions: list[VersionOut]


class ProcedureIn(Schema):
    area_id: int
    kind: str = Field(..., description="survey, inspection, training, response or risk")
    title: str
    text: str
    effective_on: dt.date
    approved_by: str
    change_note: str = ""


class VersionIn(Schema):
    text: str
    effective_on: dt.date
    approved_by: str
    change_note: str
    expected_number: int | None = Field(
        None, description="The version being revised; a newer one answers 409"
    )


class ItemIn(Schema):
    question: str
    category: str = Field("", description="Leaf case category code a finding opens")


class ItemOut(Schema):
    id: int
    position: int
    question: str
    category: str | None = None

    @staticmethod
    def resolve_category(obj: Any) -> str | None:
        return obj.category.code if obj.category_id else None


class ScheduleIn(Schema):
    area_id: int
    title: str
    cadence: str = Field(..., description="daily, weekly, monthly, quarterly or days")
    every_days: int | None = None
    next_due: dt.date
    items: list[ItemIn] = Field(..., max_length=200)
    procedure_id: int | None = None
    responsible_unit_id: int | None = None
    responsible_user_id: int | None = None
    place: str = ""
    lon: float | None = None
    lat: float | None = None


class ScheduleOut(Schema):
    id: int
    area_id: int
    procedure_id: int | None
    title: str
    place: str
    cadence: str
    every_days: int | None
    next_due: dt.date
    active: bool
    overdue: bool
    responsible_unit_id: int | None
    responsible_user_id: int | None


class ScheduleDetailOut(ScheduleOut):
    items: list[ItemOut]


class ActiveIn(Schema):
    active: bool = Field(..., description="false pauses the schedule (it is never overdue)")


class AnswerIn(Schema):
    item_id: int
    result: str = Field(..., description="ok, finding or na")
    note: str = ""
    category: str = Field("", description="Overrides the item's case category")


class InspectionIn(Schema):
    answers: list[AnswerIn] = Field(..., max_length=200)
    note: str = ""
    at: dt.datetime | None = None


class AnswerOut(Schema):
    item_id: int
    question: str
    result: str
    note: str
    case_id: int | None
    case_number: str | None


class InspectionOut(Schema):
    id: int
    schedule_id: int
    inspector_id: int
    at: dt.datetime
    note: str
    answers: list[AnswerOut]


class DrillIn(Schema):
    kind: str = Field(..., description="drill or training")
    area_id: int
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    plan_id: int | None = None
    scenario: str = ""
    place: str = ""
    head_count: int = 0
    participant_user_ids: list[int] = Field(default_factory=list, max_length=1000)
    participant_unit_ids: list[int] = Field(default_factory=list, max_length=1000)


class ScoreIO(Schema):
    aspect: str
    score: int
    comment: str = ""


class EvaluationIn(Schema):
    scores: list[ScoreIO] = Field(default_factory=list, max_length=100)
    evaluation: str = ""


class ImprovementOut(Schema):
    id: int
    area_id: int
    source: str
    source_id: int | None
    title: str
    detail: str
    owner_unit_id: int | None
    owner_user_id: int | None
    due_date: dt.date
    state: str
    overdue: bool
    done_at: dt.datetime | None
    plan_id: int | None


class DrillOut(Schema):
    id: int
    kind: str
    area_id: int
    title: str
    plan_id: int | None
    scenario: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    place: str
    head_count: int
    participant_user_ids: list[int]
    participant_unit_ids: list[int]
    evaluation: str
    evaluated_at: dt.datetime | None
    scores: list[ScoreIO]
    lessons: list[ImprovementOut]


class LessonIn(Schema):
    title: str
    due_date: dt.date | None = None
    owner_user_id: int | None = None
    owner_unit_id: int | None = None
    detail: str = ""


class LessonsIn(Schema):
    lessons: list[LessonIn] = Field(..., max_length=100)


class CloseIn(Schema):
    done: bool = Field(True, description="true: done; false: dropped")
