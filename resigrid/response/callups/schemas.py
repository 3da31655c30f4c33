"""API schemas of call-ups. Values the services check (skills, counts, windows, hours) are
passed through loosely typed so that their errors come back translated, naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: Any


class ConflictOut(Schema):
    detail: str
    state: str | None = Field(None, description="The current state, when there is one")


class CallUpIn(Schema):
    area_id: int
    title: str = Field(..., max_length=1000)
    count: int
    lon: float
    lat: float
    starts_at: dt.datetime
    ends_at: dt.datetime
    skills: list[str] = Field(default_factory=list, max_length=100)
    description: str = Field("", max_length=100_000)
    address: str = Field("", max_length=10_000)
    incident_id: int | None = None
    publish: bool = True


class CallUpOut(Schema):
    id: int
    area_id: int
    area_name: str = Field(..., alias="area.name")
    incident_id: int | None
    title: str
    description: str
    skills: list[str]
    count: int
    lon: float
    lat: float
    address: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    state: str
    proposed_from: str
    published_at: dt.datetime | None


class CallUpCountsOut(CallUpOut):
    n_signed: int
    n_proposed: int
    n_confirmed: int
    n_reported: int


class SignUpOut(Schema):
    id: int
    callup_id: int
    volunteer_id: int
    volunteer_name: str = Field(..., alias="volunteer.person.name")
    state: str
    at: dt.datetime


class AssignmentOut(Schema):
    id: int
    callup_id: int
    slot: int
    volunteer_id: int
    volunteer_name: str = Field(..., alias="volunteer.person.name")
    source: str
    distance_m: int
    explanation: dict[str, Any]
    state: str
    report: str
    hours: float | None
    points: int


class ProposeIn(Schema):
    include_area: bool = Field(
        False, description="Also draw on the area's eligible volunteers when too few signed up"
    )


class ProposalOut(Schema):
    filled: int
    unfilled: int
    open_slots: int
    signed_up: int
    from_area: int
    without_home: int
    total_m: int
    assignments: list[AssignmentOut]


class ConfirmIn(Schema):
    assignment_ids: list[int] | None = Field(
        None, max_length=10_000, description="None: every open proposal"
    )


class ReportIn(Schema):
    report: str = Field(..., max_length=100_000)
    hours: str | float


class OpenNeedOut(Schema):
    callup: CallUpOut
    distance_m: int | None
    signed_up: bool
    clash: bool


class TaskOut(Schema):
    id: int
    callup: CallUpOut
    state: str
    distance_m: int
    hours: float | None
    points: int
    report: str


class LinkIn(Schema):
    volunteer_id: int
    username: str = Field(..., max_length=150)


class LinkOut(Schema):
    volunteer_id: int
    user_id: int
    username: str = Field(..., alias="user.username")
