"""Schemas of the recovery API. Choice fields are plain strings: the services check them and
answer with a translated 422 naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: Any


class ConflictOut(Schema):
    detail: str
    state: str | None = None


class SummaryOut(Schema):
    incident_id: int
    needs_open: int
    needs_closed: int
    reviews: int
    improvements_open: int


class NeedIn(Schema):
    kind: str = Field(..., max_length=20, description="housing, necessities, medical, …")
    severity: str = Field(..., max_length=10, description="low, moderate, high or critical")
    description: str = Field("", max_length=2000)


class AssessmentIn(Schema):
    household_id: int
    notes: str = Field("", max_length=2000)
    needs: list[NeedIn] = Field(default_factory=list, max_length=5)


class NeedOut(Schema):
    id: int
    assessment_id: int
    household_id: int
    household: str
    grid_id: int
    kind: str
    severity: str
    state: str
    description: str
    matched_commitment_id: int | None
    matched_unit_id: int | None
    matched_service: str
    task_id: int | None
    owner_id: int | None
    due_date: dt.date | None
    matched_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str
    outcome_note: str


class AssessmentOut(Schema):
    id: int
    incident_id: int
    household_id: int
    assessed_at: dt.datetime
    needs: list[NeedOut]


class SuggestionOut(Schema):
    commitment_id: int
    unit_id: int
    unit: str
    kind: str
    description: str
    quantity: float
    uom: str
    specialty_fit: bool
    already_matched: int


class MatchIn(Schema):
    commitment_id: int | None = None
    unit_id: int | None = None
    service: str = Field("", max_length=200)
    owner_id: int | None = None
    due_date: dt.date | None = None
    with_task: bool = False


class CloseIn(Schema):
    outcome: str = Field(..., max_length=20, description="met, partly_met, not_met, …")
    note: str = Field("", max_length=2000)


class FindingIn(Schema):
    title: str = Field(..., max_length=500)
    due_date: dt.date | None = None
    owner_user_id: int | None = None
    owner_unit_id: int | None = None
    detail: str = Field("", max_length=5000)
    plan_id: int | None = Field(None, description="Default: the incident's activated plan")
    no_plan: bool = False


class ReviewIn(Schema):
    held_at: dt.datetime
    participants: str = Field("", max_length=5000)
    participant_ids: list[int] = Field(default_factory=list, max_length=200)
    went_well: str = Field("", max_length=5000)
    went_wrong: str = Field("", max_length=5000)
    findings_text: str = Field("", max_length=5000)
    findings: list[FindingIn] = Field(default_factory=list, max_length=50)
    follow_up_of_id: int | None = None


class ItemOut(Schema):
    id: int
    title: str
    detail: str
    state: str
    due_date: dt.date
    owner_user_id: int | None
    owner_unit_id: int | None
    plan_id: int | None
    plan_url: str
    done_at: dt.datetime | None


class ReviewOut(Schema):
    id: int
    incident_id: int
    follow_up_of_id: int | None
    held_at: dt.datetime
    participants: str
    participant_ids: list[int]
    went_well: str
    went_wrong: str
    findings: str
    items: list[ItemOut]


class CloseItemIn(Schema):
    done: bool = True
