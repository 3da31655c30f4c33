"""API schemas of incidents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: Any


class ConflictOut(Schema):
    detail: str
    state: str | None = Field(None, description="The current state, when there is one")


class IncidentOut(Schema):
    id: int
    title: str
    hazard_class: str
    hazard_subtype: str
    area_id: int
    area_name: str
    level: str = Field(..., description="1 (most severe) … 4")
    state: str
    description: str
    source_alert_id: int | None
    source_case_id: int | None
    plan_id: int | None
    plan_level: str
    activated_at: dt.datetime | None
    opened_by_id: int
    opened_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_area_name(obj: Any) -> str:
        return str(obj.area.name)


class MemberOut(Schema):
    id: int
    role_code: str
    role_name: str
    duties: str
    unit_id: int | None
    person_id: int | None
    assigned_at: dt.datetime | None


class TaskOut(Schema):
    id: int
    title: str
    detail: str
    origin: str
    area_id: int | None
    owner_unit_id: int | None
    assignee_id: int | None
    due_at: dt.datetime | None
    state: str
    outcome: str
    created_at: dt.datetime
    done_at: dt.datetime | None


class LogOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    action: str
    note: str
    data: dict[str, Any]


class IncidentDetailOut(IncidentOut):
    roster: list[MemberOut]
    tasks: list[TaskOut]

    @staticmethod
    def resolve_roster(obj: Any) -> list[Any]:
        return list(obj.roster.all())

    @staticmethod
    def resolve_tasks(obj: Any) -> list[Any]:
        return list(obj.tasks.all())


class OpenIn(Schema):
    alert_id: int | None = Field(None, description="Open from this alert (defaults from it)")
    case_id: int | None = Field(None, description="Open from this case (defaults from it)")
    title: str | None = Field(None, max_length=160)
    hazard_class: str | None = Field(
        None, description="natural, accident, public_health or social_security"
    )
    hazard_subtype: str | None = Field(None, max_length=60)
    level: str | None = Field(None, description="1 … 4")
    area_id: int | None = Field(None, description="Required when opened by hand")
    description: str | None = Field(None, max_length=4000)


class ActivateIn(Schema):
    plan_id: int
    level: str = Field(..., description="1 … 4")


class TransitionIn(Schema):
    action: str = Field(..., description="stabilise, flare_up, recover or close")
    note: str = Field("", max_length=4000)


class DecisionIn(Schema):
    what: str = Field(..., max_length=4000)
    why: str = Field("", max_length=4000)


class TaskIn(Schema):
    title: str = Field(..., max_length=200)
    detail: str = Field("", max_length=4000)
    area_id: int | None = None
    owner_unit_id: int | None = None
    assignee_id: int | None = None
    due_at: dt.datetime | None = None


class AssignIn(Schema):
    assignee_id: int | None = None
    owner_unit_id: int | None = None


class OutcomeIn(Schema):
    text: str = Field(..., max_length=4000, description="The outcome, or why it is cancelled")


class SeatIn(Schema):
    person_id: int | None = None
    unit_id: int | None = None
